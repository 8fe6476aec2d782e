"""The one LLM gateway: model choice, retries with jitter, cooldowns, fallbacks, timeouts,
streaming with tool calls, the usage ledger and budgets — over `litellm.acompletion`.

Retries, fallbacks and cooldowns are ours rather than `litellm.Router`'s: the first-token timeout,
a stream cut after text was delivered (never retried: the caller already showed it) and tool-call
assembly need control of every chunk, and one code path keeps the overhead measurable.
The providers' own APIs (`openrouter/`, `openai/`, `anthropic/`, `ollama/`, `gigachat/` models:
llm/providers/) are called directly (far less CPU per chunk than LiteLLM) unless
LLM_TRANSPORT=litellm; every client yields OpenAI-style chunks, read the same way.
LiteLLM is imported when the gateway is built for an online configuration, never before.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import importlib
import logging
import random
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlparse

from ..guard.pii import Redactor
from ..runtime import Runtime
from .budget import Budget
from .cooldown import Cooldowns
from .ledger import LedgerEntry, LedgerWriter, observe
from .openai_compat import OpenAICompatibleClient, UpstreamError
from .pricing import resolve_cost
from .providers import ChatClient, build_client, has_credentials, litellm_route, prefix_of
from .toolcalls import ToolCallAssembler, field_of
from .types import (
    CallMeta,
    Done,
    LLMStreamError,
    LLMUnavailable,
    StreamEvent,
    TextDelta,
    ToolCallInvalid,
    ToolCallsReady,
    Usage,
)
from .vision import has_images

log = logging.getLogger("infrazen_agent.llm")
_BACKOFF_BASE_S = 0.2
_BACKOFF_CAP_S = 2.0
_NO_COST = Usage(0, 0, 0.0, "unknown")
# Models this process registered in LiteLLM's (process-wide) map at price 0: never "priced".
_REGISTERED: set[str] = set()


def load_litellm() -> Any:
    """Imports and quietens LiteLLM (the price map is local: see infrazen_agent.llm)."""
    import litellm

    litellm.suppress_debug_info = True
    litellm.drop_params = True  # e.g. stream_options to a server that does not take it
    return litellm


class _AttemptFailed(Exception):
    def __init__(
        self,
        kind: str,
        message: str,
        *,
        retryable: bool,
        cooldown: bool = True,
        retry_after_s: float | None = None,
    ):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retryable = retryable
        self.cooldown = cooldown
        self.retry_after_s = retry_after_s


@dataclass
class _Call:
    """Book-keeping of one gateway call across its attempts."""

    meta: CallMeta
    streamed: bool
    t0: float = field(default_factory=time.perf_counter)
    retries: int = 0
    models_tried: list[str] = field(default_factory=list)
    ttft_ms: float | None = None
    delivered: bool = False  # a text delta reached the caller: the call can no longer be retried
    recorded: bool = False
    last_error: str | None = None
    prompt_chars: int = 0  # what was sent, for a token estimate when the provider reports none

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.t0) * 1000


@dataclass
class _StreamResult:
    text: list[str] = field(default_factory=list)
    tools: ToolCallAssembler = field(default_factory=ToolCallAssembler)
    finish_reason: str | None = None
    usage: Any = None
    model: str | None = None


def _retry_after(exc: Exception) -> float | None:
    headers = getattr(exc, "headers", None) or getattr(getattr(exc, "response", None), "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _aiohttp_error(exc: BaseException) -> bool:
    """An aiohttp client error, without importing aiohttp (if it is not loaded, it raised nothing)."""
    aiohttp = sys.modules.get("aiohttp")
    return aiohttp is not None and isinstance(exc, aiohttp.ClientError)


def _classify(exc: Exception, upstream: tuple[type[BaseException], ...]) -> _AttemptFailed:
    """Upstream failures become attempt failures; anything else is a bug and propagates."""
    if isinstance(exc, TimeoutError):
        return _AttemptFailed("timeout", "the model did not answer in time", retryable=True)
    if not isinstance(exc, upstream) and not _aiohttp_error(exc):
        raise exc
    status = getattr(exc, "status_code", None)
    text = f"{type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 409, 429):
        # The request or the model name is wrong for this model: no retry; another model may do.
        # Bad credentials or an unknown model stay broken, so those cool down.
        return _AttemptFailed(f"http_{status}", text, retryable=False, cooldown=status in (401, 403, 404))
    kind = f"http_{status}" if isinstance(status, int) else getattr(exc, "kind", None) or "connection"
    return _AttemptFailed(kind, text, retryable=True, retry_after_s=_retry_after(exc))


class LLMGateway:
    def __init__(self, runtime: Runtime, *, backoff_base_s: float = _BACKOFF_BASE_S):
        self.runtime = runtime
        self.settings = s = runtime.settings
        self.backoff_base_s = backoff_base_s
        self.text_chain = self._chain(s.llm_model_text)
        self.vision_chain = self._chain(s.llm_model_vision)
        self.offline_reason = self._offline_reason()
        self.budget = Budget(
            runtime.redis,
            runtime.pool,
            daily_cap_usd=s.tenant_daily_budget_usd,
            requests_per_minute=s.user_requests_per_minute,
        )
        self.cooldowns = Cooldowns(runtime.redis, s.llm_cooldown_s)
        self._litellm: Any = None
        self._writer: LedgerWriter | None = None  # made on first use: the pool exists by then
        self._litellm_priced: set[str] = set()  # models LiteLLM's own price map knows
        self._upstream: tuple[type[BaseException], ...] = ()
        self._clients: dict[str, ChatClient] = {}  # prefix -> direct client (llm/providers)
        self._direct: OpenAICompatibleClient | None = None  # the `openai/` one, for the embeddings
        self._timeout: Any = s.llm_timeout_s
        if self.offline_reason is None:
            # aiohttp's errors are recognised without importing it (_aiohttp_error): its import
            # (0.16 s) is the direct clients', on first use.
            self._upstream = (OSError, UpstreamError)
            for prefix in sorted({prefix_of(m) for m in (*self.text_chain, *self.vision_chain)}):
                if (client := build_client(s, prefix)) is not None:
                    self._clients[prefix] = client
            openai_client = self._clients.get("openai")
            self._direct = openai_client if isinstance(openai_client, OpenAICompatibleClient) else None
            # LiteLLM (~2.7 s and ~130 MB to import) only when a configured model is not served
            # by the direct OpenAI-compatible client.
            if any(self._direct_for(m) is None for m in {*self.text_chain, *self.vision_chain}):
                import httpx
                import openai

                self._litellm = load_litellm()
                self._upstream = (openai.OpenAIError, httpx.HTTPError, *self._upstream)
                self._timeout = httpx.Timeout(s.llm_timeout_s, connect=s.llm_connect_timeout_s)
                self._register_models()

    def warm_up(self) -> None:
        """Import the direct client's HTTP library in a thread, after start-up: ready does not
        wait for it, and a first request that comes sooner waits only for what is left."""
        if self._clients and "aiohttp" not in sys.modules:
            task = asyncio.get_running_loop().run_in_executor(None, importlib.import_module, "aiohttp")
            task.add_done_callback(lambda f: f.exception())  # an import error shows on first use

    @property
    def uses_litellm(self) -> bool:
        """Whether a configured model goes through LiteLLM (else LiteLLM is never imported)."""
        return self._litellm is not None

    def _register_models(self) -> None:
        # LiteLLM prices every answer; for a model missing from its map it searches several name
        # variants first (≈0.5 ms a call). Registering the model at price 0 ends the search and
        # keeps LiteLLM from stamping a computed cost that would pass for the provider's own.
        litellm_log = logging.getLogger("LiteLLM")
        level = litellm_log.level
        litellm_log.setLevel(logging.ERROR)  # it warns that a price-0 model has no cache prices
        try:
            self._register_unknown_models()
        finally:
            litellm_log.setLevel(level)

    def _register_unknown_models(self) -> None:
        for model in {*self.text_chain, *self.vision_chain}:
            if model in _REGISTERED:
                continue
            if model in self._litellm.model_cost:
                self._litellm_priced.add(model)
                continue
            self._litellm.register_model(
                {
                    model: {
                        "input_cost_per_token": 0.0,
                        "output_cost_per_token": 0.0,
                        "litellm_provider": model.split("/", 1)[0],
                        "mode": "chat",
                    }
                }
            )
            _REGISTERED.add(model)

    # --- configuration
    def _chain(self, first: str) -> list[str]:
        chain: list[str] = []
        for model in (first, *self.settings.llm_fallback_models):
            if model and model not in chain and self._route(model) is not None:
                chain.append(model)
        return chain

    def _route(self, model: str) -> dict[str, Any] | None:
        """LiteLLM's endpoint and key for a model, or None when it cannot be called."""
        return litellm_route(self.settings, model) if has_credentials(self.settings, model) else None

    def _direct_for(self, model: str) -> ChatClient | None:
        """The provider's own client for this model, else None (LiteLLM)."""
        return self._clients.get(prefix_of(model))

    def _provider(self, model: str) -> str:
        prefix = prefix_of(model)
        if prefix in ("openrouter", "anthropic", "ollama", "gigachat") or not self.settings.llm_api_base:
            return prefix
        return f"openai_compatible:{urlparse(self.settings.llm_api_base).netloc}"

    def _offline_reason(self) -> str | None:
        s = self.settings
        if s.llm_offline:
            return "LLM_OFFLINE=true"
        if not s.llm_configured:
            return "no LLM key and no LLM_API_BASE"
        if not self.text_chain:
            return "no model has credentials (OPENROUTER_API_KEY, ANTHROPIC_API_KEY, GIGACHAT_CREDENTIALS, …)"
        return None

    # --- mode
    @property
    def mode(self) -> str:
        return "online" if self.is_online() else "offline"

    def is_online(self) -> bool:
        if self.offline_reason is not None:
            return False
        return not all(self.cooldowns.cooling(m) for m in self.text_chain)

    def describe(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "reason": self.offline_reason,
            "text_models": self.text_chain,
            "vision_models": self.vision_chain,
            "cooling": [m for m in {*self.text_chain, *self.vision_chain} if self.cooldowns.cooling(m)],
        }

    # --- admission: budget, rate and cooldowns in one Redis round trip
    async def _admit(self, meta: CallMeta, vision: bool) -> list[str]:
        if self.offline_reason is not None:
            raise LLMUnavailable(f"the assistant runs offline ({self.offline_reason})")
        chain = self.vision_chain if vision else self.text_chain
        if not chain:
            raise LLMUnavailable("no vision model is configured")
        if meta.admission is not None and meta.admission.admitted:
            following = [m for m in chain if not self.cooldowns.cooling(m)]
            if not following:
                raise self._all_cooling(meta, chain)
            return following
        await self.budget.settle(meta.tenant_id)  # this process's charges so far are in the total it reads
        now = time.time()
        pipe = self.runtime.redis.pipeline(transaction=False)
        n = self.budget.queue_admit(pipe, meta, now)
        self.cooldowns.queue_read(pipe, chain)
        results = await pipe.execute()
        usable = self.cooldowns.apply(chain, results[n:])
        await self.budget.check(results[:n], meta, now)
        if not usable:
            raise self._all_cooling(meta, chain)
        if meta.admission is not None:
            meta.admission.admitted = True
        return usable

    def _all_cooling(self, meta: CallMeta, chain: list[str]) -> LLMUnavailable:
        observe(LedgerEntry(meta, chain[0], self._provider(chain[0]), False, _NO_COST, 0.0, "unavailable"))
        return LLMUnavailable(
            "every model is failing and cooling down; the assistant runs offline "
            f"for up to {self.settings.llm_cooldown_s:g} s"
        )

    def _params(
        self,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        max_tokens: int | None,
        temperature: float | None,
        stream: bool,
        meta: CallMeta | None = None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"model": model, "messages": messages, "timeout": self._timeout, "max_retries": 0}
        if self._direct_for(model) is None:
            params |= self._route(model) or {}
        if meta is not None:
            # The correlation ids: LiteLLM hands `metadata` to its callbacks and logs (never to
            # the provider); the request id also goes to the provider as a header.
            ids = {"request_id": meta.request_id, "session_id": meta.session_id, "turn_id": meta.turn_id}
            params["metadata"] = {"scenario": meta.scenario, **{k: v for k, v in ids.items() if v}}
            if meta.request_id:
                params["extra_headers"] = {"X-Request-Id": meta.request_id}
        if stream:
            params |= {
                "stream": True,
                "stream_options": {"include_usage": True},
                "stream_timeout": self.settings.llm_timeout_s,
            }
        if tools:
            # Tool specs are shared across turns; LiteLLM may rewrite what it is given.
            params["tools"] = tools if self._direct_for(model) else copy.deepcopy(tools)
        if max_tokens is not None:
            params["max_tokens"] = max_tokens
        if temperature is not None:
            params["temperature"] = temperature
        return params

    async def _after_failure(self, call: _Call, model: str, failure: _AttemptFailed, attempt: int) -> bool:
        """Returns True to retry the same model (after a jittered pause), False to move on."""
        call.last_error = f"{model}: {failure.kind}: {failure.message}"
        retry_after = failure.retry_after_s
        if (
            failure.retryable
            and attempt < self.settings.llm_max_retries
            and (retry_after is None or retry_after <= _BACKOFF_CAP_S)
        ):
            call.retries += 1
            pause = min(_BACKOFF_CAP_S, self.backoff_base_s * 2**attempt) * random.uniform(0.5, 1.0)
            await asyncio.sleep(max(pause, retry_after or 0.0))
            return True
        if failure.cooldown:
            seconds = max(self.settings.llm_cooldown_s, retry_after or 0.0)
            await self.cooldowns.start(model, seconds)
        return False

    # --- ledger
    def _usage(self, model: str, usage: Any, hidden: dict[str, Any] | None, call: _Call, answer_chars: int) -> Usage:
        prompt = int(field_of(usage, "prompt_tokens") or 0) if usage is not None else 0
        completion = int(field_of(usage, "completion_tokens") or 0) if usage is not None else 0
        if not (prompt or completion):
            # No token counts from the provider: about four characters a token, so the call is
            # still booked (as "estimated"), never as free.
            prompt, completion = -(-call.prompt_chars // 4), -(-answer_chars // 4)
        reported = field_of(usage, "cost") if usage is not None else None
        provider_cost, litellm_cost = reported, None
        if model in self._litellm_priced and not model.startswith("openrouter/"):
            # LiteLLM stamps its own computed cost into usage.cost for models its map prices;
            # only OpenRouter's figure is known to be the provider's.
            provider_cost = None
            litellm_cost = reported if reported is not None else (hidden or {}).get("response_cost")
        return resolve_cost(
            model,
            prompt,
            completion,
            provider_cost=provider_cost,
            litellm_cost=litellm_cost,
            table=self.settings.llm_price_table,
            default_price=(self.settings.llm_default_price_per_mtok_in, self.settings.llm_default_price_per_mtok_out),
        )

    def _record(
        self, call: _Call, model: str, outcome: str, usage: Usage = _NO_COST, *, error: str | None = None
    ) -> None:
        """Charges the tenant's running total and writes the ledger row, both in the background,
        off the answer's critical path (the next admission in this process waits for the charge)."""
        call.recorded = True
        entry = LedgerEntry(
            meta=call.meta,
            model=model,
            provider=self._provider(model),
            streamed=call.streamed,
            usage=usage,
            latency_ms=round(call.elapsed_ms(), 3),
            outcome=outcome,
            ttft_ms=call.ttft_ms,
            retries=call.retries,
            fallback_used=bool(call.models_tried) and model != call.models_tried[0],
            models_tried=list(call.models_tried),
            error=error,
        )
        self.budget.charge(call.meta.tenant_id, usage.cost_usd)
        self._ledger().add(entry)

    def _ledger(self) -> LedgerWriter:
        if self._writer is None:
            # A row is written only after its call's charge: a total rebuilt from the ledger in
            # between (a new day, a Redis restart) must not count that call a second time.
            self._writer = LedgerWriter(self.runtime.pool, before_write=self.budget.settle)
        return self._writer

    async def flush(self) -> None:
        """Waits for pending charges and ledger writes (tests, shutdown)."""
        await self.budget.settle()
        if self._writer is not None:
            await self._writer.flush()

    async def aclose(self) -> None:
        await self.flush()
        for client in self._clients.values():
            await client.aclose()

    def _redactor(self, meta: CallMeta) -> Redactor | None:
        if not self.settings.guard_pii_redaction:
            return None
        return meta.redactor if isinstance(meta.redactor, Redactor) else Redactor()

    # --- non-streaming
    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        meta: CallMeta,
        tools: list[dict[str, Any]] | None = None,
        images: bool = False,
        max_tokens: int | None = None,
        temperature: float | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> Done:
        """One answer, with personal data replaced before the model sees it and put back after."""
        red = self._redactor(meta)
        done = await self._complete(
            red.messages(messages) if red is not None else messages,
            meta=meta,
            tools=tools,
            images=images,
            max_tokens=max_tokens,
            temperature=temperature,
            response_format=response_format,
        )
        # A one-shot answer goes back once its cost is in the running total: a serverless process
        # may be frozen right after the response, with a background charge still waiting.
        await self.budget.settle(meta.tenant_id)
        if red is None:
            return done
        return replace(
            done,
            content=red.restore(done.content),
            tool_calls=[replace(c, arguments=red.restore_value(c.arguments)) for c in done.tool_calls],
            invalid_tool_calls=[
                replace(c, raw_arguments=red.restore(c.raw_arguments)) for c in done.invalid_tool_calls
            ],
        )

    async def _complete(
        self,
        messages: list[dict[str, Any]],
        *,
        meta: CallMeta,
        tools: list[dict[str, Any]] | None = None,
        images: bool = False,
        max_tokens: int | None = None,
        temperature: float | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> Done:
        """`response_format` (a JSON schema) is sent where the model supports structured output."""
        chain = await self._admit(meta, images or has_images(messages))
        call = _Call(meta, streamed=False, prompt_chars=_chars(messages))
        for model in chain:
            call.models_tried.append(model)
            for attempt in range(self.settings.llm_max_retries + 1):
                params = self._params(model, messages, tools, max_tokens, temperature, stream=False, meta=meta)
                if response_format is not None and self._structured(model):
                    params["response_format"] = response_format
                try:
                    response = await asyncio.wait_for(self._complete_once(model, params), self.settings.llm_timeout_s)
                except Exception as exc:  # noqa: BLE001 - _classify re-raises what is not upstream
                    if await self._after_failure(call, model, _classify(exc, self._upstream), attempt):
                        continue
                    break
                return await self._finish_complete(call, model, response)
        self._record(call, call.models_tried[-1], "unavailable", error=call.last_error)
        raise LLMUnavailable(f"no model answered (last error: {call.last_error})")

    def _structured(self, model: str) -> bool:
        """The direct clients say whether they take `response_format`; else LiteLLM's model map."""
        if client := self._direct_for(model):
            return client.structured_output
        try:
            return bool(self._litellm.supports_response_schema(model=model))
        except Exception:  # noqa: BLE001 - an unknown model: the prompt asks for JSON instead
            return False

    async def _complete_once(self, model: str, params: dict[str, Any]) -> Any:
        if direct := self._direct_for(model):
            return await direct.complete(_direct_body(params), headers=params.get("extra_headers"))
        return await self._litellm.acompletion(**params)

    async def _finish_complete(self, call: _Call, model: str, response: Any) -> Done:
        choice = (field_of(response, "choices") or [{}])[0]
        message = field_of(choice, "message") or {}
        tools = ToolCallAssembler.from_message(field_of(message, "tool_calls"))
        ready, invalid = tools.finish()
        hidden = getattr(response, "_hidden_params", None)
        content = field_of(message, "content") or ""
        usage = self._usage(model, field_of(response, "usage"), hidden, call, len(content))
        self._record(call, model, "ok", usage, error=call.last_error)
        return Done(
            content=content,
            usage=usage,
            model=model,
            fallback_used=model != call.models_tried[0],
            ttft_ms=None,
            latency_ms=round(call.elapsed_ms(), 3),
            finish_reason=field_of(choice, "finish_reason"),
            tool_calls=ready,
            invalid_tool_calls=invalid,
            retries=call.retries,
        )

    # --- streaming
    async def stream(
        self,
        messages: list[dict[str, Any]],
        *,
        meta: CallMeta,
        tools: list[dict[str, Any]] | None = None,
        images: bool = False,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """`_stream` with personal data replaced before the model sees it and put back in what it
        streams (text held back only while a placeholder may be cut across two deltas)."""
        red = self._redactor(meta)
        source = self._stream(
            red.messages(messages) if red else messages,
            meta=meta,
            tools=tools,
            images=images,
            max_tokens=max_tokens,
            temperature=temperature,
        )
        if red is None:
            async with contextlib.aclosing(source):  # type: ignore[type-var]
                async for event in source:
                    yield event
            return
        text = red.streamer()
        async with contextlib.aclosing(source):  # type: ignore[type-var]
            async for event in source:
                if isinstance(event, TextDelta):
                    if restored := text.feed(event.text):
                        yield TextDelta(restored)
                    continue
                if rest := text.flush():
                    yield TextDelta(rest)
                if isinstance(event, ToolCallsReady):
                    yield replace(
                        event, calls=[replace(c, arguments=red.restore_value(c.arguments)) for c in event.calls]
                    )
                elif isinstance(event, ToolCallInvalid):
                    yield replace(event, raw_arguments=red.restore(event.raw_arguments))
                elif isinstance(event, Done):
                    yield replace(event, content=red.restore(event.content))
                else:
                    yield event
        if rest := text.flush():
            yield TextDelta(rest)

    async def _stream(
        self,
        messages: list[dict[str, Any]],
        *,
        meta: CallMeta,
        tools: list[dict[str, Any]] | None = None,
        images: bool = False,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Text deltas as they arrive, then the step's tool calls (complete, or invalid), then Done.

        Failures before any text was delivered are retried and fall back; a failure after text
        was delivered raises LLMStreamError (the partial text is not an answer)."""
        chain = await self._admit(meta, images or has_images(messages))
        call = _Call(meta, streamed=True, prompt_chars=_chars(messages))
        model = chain[0]
        try:
            for model in chain:
                call.models_tried.append(model)
                for attempt in range(self.settings.llm_max_retries + 1):
                    result = _StreamResult()
                    params = self._params(model, messages, tools, max_tokens, temperature, stream=True, meta=meta)
                    try:
                        async with contextlib.aclosing(self._stream_attempt(model, params, call, result)) as deltas:
                            async for delta in deltas:
                                yield delta
                    except _AttemptFailed as failure:
                        if call.delivered:
                            call.last_error = f"{model}: {failure.kind}: {failure.message}"
                            self._record(call, model, "stream_error", error=call.last_error)
                            raise LLMStreamError(
                                "the model's answer was cut off mid-way; it is incomplete and was not kept",
                                details={"model": model, "reason": failure.kind},
                            ) from None
                        if await self._after_failure(call, model, failure, attempt):
                            continue
                        break
                    async for event in self._finish_stream(call, model, result):
                        yield event
                    return
            self._record(call, model, "unavailable", error=call.last_error)
            raise LLMUnavailable(f"no model answered (last error: {call.last_error})")
        except (GeneratorExit, asyncio.CancelledError):
            # The caller stopped reading or was cancelled (user cancel, disconnect): the attempt
            # still cost tokens. Recording never awaits, so it is safe here.
            if not call.recorded:
                self._record(call, model, "cancelled", error="caller stopped reading")
            raise
        except Exception as exc:
            if not call.recorded:
                self._record(call, model, "error", error=f"{type(exc).__name__}: {exc}"[:300])
            raise

    async def _stream_attempt(
        self, model: str, params: dict[str, Any], call: _Call, out: _StreamResult
    ) -> AsyncGenerator[TextDelta, None]:
        s = self.settings
        loop = asyncio.get_running_loop()
        start = loop.time()
        first_deadline = start + min(s.llm_first_token_timeout_s, s.llm_timeout_s)
        total_deadline = start + s.llm_timeout_s
        got_first = False
        if direct := self._direct_for(model):
            source = direct.stream(_direct_body(params), headers=params.get("extra_headers"))
        else:
            source = self._litellm_chunks(params)
        async with contextlib.aclosing(source) as chunks:
            while True:
                # A timer per read rather than wait_for: no task per chunk (this runs for every
                # chunk of every answer in flight).
                try:
                    async with asyncio.timeout_at(total_deadline if got_first else first_deadline):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    kind = "timeout" if got_first else "first_token_timeout"
                    raise _AttemptFailed(kind, f"{kind.replace('_', ' ')} while streaming", retryable=True) from None
                except Exception as exc:  # noqa: BLE001 - _classify re-raises what is not upstream
                    raise _classify(exc, self._upstream) from None
                usage = field_of(chunk, "usage")
                if usage is not None:
                    out.usage = usage
                out.model = field_of(chunk, "model") or out.model
                for choice in field_of(chunk, "choices") or ():
                    delta = field_of(choice, "delta") or {}
                    content = field_of(delta, "content")
                    tool_calls = field_of(delta, "tool_calls")
                    if (content or tool_calls) and not got_first:
                        got_first = True
                        call.ttft_ms = round(call.elapsed_ms(), 3)
                    for fragment in tool_calls or ():
                        out.tools.add(fragment)
                    if finish := field_of(choice, "finish_reason"):
                        out.finish_reason = finish
                    if content:
                        out.text.append(content)
                        call.delivered = True
                        yield TextDelta(content)

    async def _litellm_chunks(self, params: dict[str, Any]) -> AsyncGenerator[Any, None]:
        response = await self._litellm.acompletion(**params)
        try:
            async for chunk in response:
                yield chunk
            # LiteLLM invents finish_reason "stop" when a stream ends early without an error;
            # its own record of what the server sent tells a clean end from a truncated one.
            if (
                getattr(response, "received_finish_reason", "") is None
                and getattr(response, "intermittent_finish_reason", None) is None
            ):
                raise UpstreamError("the stream ended without a finish reason", kind="stream_cut")
        finally:
            aclose = getattr(response, "aclose", None)
            if aclose is not None:
                # The attempt's outcome is already decided; closing only frees the connection.
                with contextlib.suppress(Exception):
                    await aclose()

    async def _finish_stream(self, call: _Call, model: str, result: _StreamResult) -> AsyncIterator[StreamEvent]:
        ready, invalid = result.tools.finish()
        usage = self._usage(model, result.usage, None, call, sum(map(len, result.text)))
        self._record(call, model, "ok", usage, error=call.last_error)
        for bad in invalid:
            yield bad
        if ready:
            yield ToolCallsReady(ready)
        yield Done(
            content="".join(result.text),
            usage=usage,
            model=model,
            fallback_used=model != call.models_tried[0],
            ttft_ms=call.ttft_ms,
            latency_ms=round(call.elapsed_ms(), 3),
            finish_reason=result.finish_reason,
            tool_calls=ready,
            invalid_tool_calls=invalid,
            retries=call.retries,
        )


def _chars(messages: list[dict[str, Any]]) -> int:
    """The text sent (images not counted: their tokens are the provider's to report)."""
    total = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            total += len(content)
        elif isinstance(content, list):
            total += sum(len(p.get("text") or "") for p in content if isinstance(p, dict))
    return total


def _direct_body(params: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI request body from LiteLLM-style params ("openai/<name>" -> "<name>")."""
    body = {k: v for k, v in params.items() if k in _BODY_KEYS}
    body["model"] = params["model"].split("/", 1)[1]
    return body


_BODY_KEYS = frozenset(
    {"messages", "stream", "stream_options", "tools", "max_tokens", "temperature", "response_format"}
)


def get_gateway(runtime: Runtime) -> LLMGateway:
    """The process's gateway (built on first use, after the runtime started)."""
    gateway = runtime.services.get("llm")
    if not isinstance(gateway, LLMGateway):
        gateway = LLMGateway(runtime)
        runtime.services["llm"] = gateway
    return gateway
