"""A direct client for OpenAI-compatible chat endpoints (vLLM, Ollama's /v1, LM Studio, proxies):
one pooled aiohttp session, JSON in, Server-Sent Events out, chunks as plain dicts.

Why not LiteLLM for these: its stream wrapper builds several pydantic objects per chunk, ≈25 ms
of CPU for a 30-chunk answer against ≈2 ms here — with hundreds of answers streaming on one
process that difference is the event delay users see. Other providers still go through LiteLLM.
Proxies come from the environment (HTTPS_PROXY, NO_PROXY) as with LiteLLM; TLS uses the system's
CA store (SSL_CERT_FILE).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncGenerator, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # aiohttp is imported when the first request is made, not with the gateway
    import aiohttp


class UpstreamError(Exception):
    """The endpoint answered with an error (HTTP status, or an error object inside the stream)."""

    def __init__(self, message: str, *, status_code: int | None = None, headers: Any = None, kind: str | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.headers = headers or {}
        self.kind = kind  # e.g. "stream_cut"; else derived from the status


def _error_message(body: bytes, status: int) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        return f"HTTP {status}: {body[:300].decode(errors='replace')}"
    error = payload.get("error") if isinstance(payload, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return f"HTTP {status}: {str(message or payload)[:300]}"


def json_object(payload: bytes, what: str) -> dict[str, Any]:
    """A JSON object from the endpoint; an error object (OpenRouter and vLLM report a failure after
    the 200 this way) or anything else raises."""
    try:
        chunk = json.loads(payload)
    except ValueError:
        raise UpstreamError(f"{what} is not JSON: {payload[:200]!r}") from None
    if not isinstance(chunk, dict):
        raise UpstreamError(f"unexpected {what}: {str(chunk)[:200]}")
    error = chunk.get("error")
    if error:
        code = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        raise UpstreamError(
            f"error in {what}: {str(message)[:300]}", status_code=code if isinstance(code, int) else None
        )
    return chunk


async def raise_for_status(response: aiohttp.ClientResponse) -> None:
    if response.status >= 400:
        raw = await response.read()
        raise UpstreamError(_error_message(raw, response.status), status_code=response.status, headers=response.headers)


class SSEDecoder:
    """Server-Sent Events to `data` payloads (the only field OpenAI-style streams use): events end
    at a blank line, a `data` field may span lines, comment lines (": keep-alive") are skipped."""

    def __init__(self) -> None:
        self._buffer = b""
        self.done = False  # the `[DONE]` sentinel arrived

    def feed(self, data: bytes) -> Iterator[dict[str, Any]]:
        """The complete events' payloads; an error event raises after the ones before it were
        taken (so text that did arrive is not lost to the caller)."""
        buffer = self._buffer + data
        held = b""
        if b"\r" in buffer:
            if buffer.endswith(b"\r"):  # maybe half of a CRLF split across reads: decide next time
                buffer, held = buffer[:-1], b"\r"
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        events, sep, rest = buffer.rpartition(b"\n\n")
        self._buffer = rest + held
        if not sep:
            return
        for event in events.split(b"\n\n"):
            chunk = self._payload(self._data(event))
            if chunk is not None:
                yield chunk

    def leftover(self) -> dict[str, Any] | None:
        """At the end of the body: an event without its blank line, or a plain JSON body (some
        proxies answer an error with status 200 and no SSE framing)."""
        rest = self._buffer.strip()
        return self._payload(self._data(rest.replace(b"\r\n", b"\n")) or rest) if rest else None

    def _payload(self, payload: bytes | None) -> dict[str, Any] | None:
        if payload is None:
            return None
        if payload == b"[DONE]":
            self.done = True
            return None
        return json_object(payload, "stream data")

    @staticmethod
    def _data(event: bytes) -> bytes | None:
        parts = [
            line[6:] if line.startswith(b"data: ") else line[5:]
            for line in event.split(b"\n")
            if line.startswith(b"data:")
        ]
        return b"\n".join(parts) if parts else None


def new_session(headers: dict[str, str], connect_timeout_s: float, ca_file: str = "") -> aiohttp.ClientSession:
    """The pooled aiohttp session every direct client uses (made in the loop that uses it);
    `ca_file` adds a CA (e.g. the Russian Trusted Root CA for GigaChat) to the system store."""
    import aiohttp

    ssl: Any = True
    if ca_file:
        import ssl as _ssl

        context = _ssl.create_default_context()
        context.load_verify_locations(cafile=ca_file)
        ssl = context
    # No connection cap: concurrency is bounded by the turns in flight, and a cap would queue
    # answers behind each other invisibly.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, ssl=ssl),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout_s),
        headers=headers,
        # Proxies from the environment when one is set; otherwise not: trust_env makes aiohttp
        # look up proxies and read ~/.netrc on every request (measured: ~7 % of a burst's CPU).
        trust_env=_proxy_configured(),
    )


class OpenAICompatibleClient:
    """One per endpoint and gateway; the aiohttp session is made on first use, in the loop that
    uses it. `extra_headers` go with every request (OpenRouter's attribution), `extra_body` into
    every body (OpenRouter's `usage: {include: true}`, which makes it report the cost)."""

    structured_output = True  # takes `response_format`

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        connect_timeout_s: float,
        extra_headers: dict[str, str] | None = None,
        extra_body: dict[str, Any] | None = None,
    ):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.embeddings_url = base_url.rstrip("/") + "/embeddings"
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._headers.update(extra_headers or {})
        self._extra_body = extra_body or {}
        self._connect_timeout_s = connect_timeout_s
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = new_session(self._headers, self._connect_timeout_s)
        return self._session

    def _body(self, body: dict[str, Any]) -> str:
        return json.dumps({**body, **self._extra_body} if self._extra_body else body)

    async def complete(self, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> dict[str, Any]:
        async with self._http().post(self.url, data=self._body(body), headers=headers) as response:
            await raise_for_status(response)
            return json_object(await response.read(), "response")

    async def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /embeddings` ({"model", "input": [texts]} -> {"data": [{"index", "embedding"}]})."""
        async with self._http().post(self.embeddings_url, data=json.dumps(body)) as response:
            await raise_for_status(response)
            return json_object(await response.read(), "response")

    async def stream(
        self, body: dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Chunks as they arrive. Raises UpstreamError when the stream ends before `[DONE]` or a
        finish reason, so a cut connection is never mistaken for a complete answer. `headers`
        are this request's own (the caller's request id)."""
        finished = False
        async with self._http().post(self.url, data=self._body(body), headers=headers) as response:
            await raise_for_status(response)
            decoder = SSEDecoder()
            async for data in response.content.iter_any():
                for chunk in decoder.feed(data):
                    for choice in chunk.get("choices") or ():
                        finished = finished or bool(choice.get("finish_reason"))
                    yield chunk
                # Read on to the end of the body even after `[DONE]`: a response left unread
                # closes its connection instead of returning it to the pool.
            last = decoder.leftover()
            if last is not None:
                finished = finished or any(c.get("finish_reason") for c in last.get("choices") or ())
                yield last
            if not (finished or decoder.done):
                raise UpstreamError("the stream ended without a finish reason", kind="stream_cut")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _proxy_configured() -> bool:
    names = ("http_proxy", "https_proxy", "all_proxy")
    return any(os.environ.get(n) or os.environ.get(n.upper()) for n in names)
