"""The chat function's routes: start a session, chat over WebSocket or Server-Sent Events, read
the transcript; plus the existing InfraZen browser client's two WebSocket routes.

The protocol (every event, close codes, idempotency, reconnect) is in docs/chat-protocol.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request, WebSocket
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from starlette.responses import Response
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ..actions.flow import Action, get_action, outcome_text, pending_in_session
from ..agent.events import (
    CLIENT_FRAME,
    ActionResult,
    ClientAuth,
    ClientCancel,
    ClientConfirm,
    ClientMessage,
    ClientPing,
    Delta,
    Envelope,
    ErrorEvent,
    Pong,
    Ready,
)
from ..agent.prompt import detect_language
from ..auth import Principal, verify_token
from ..chat.fanout import Subscription, Translate
from ..chat.service import TURN_TIMEOUT_S, ChatService, get_chat_service
from ..chat.sessions import ChatSession, TimeRange
from ..deps import CurrentPrincipal, RuntimeDep, runtime_of
from ..errors import (
    AUTH_RESPONSES,
    AgentError,
    BadRequest,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    error_response,
)
from ..guard.admission import FrameBudget
from ..guard.text import has_control_chars
from ..llm import get_gateway
from ..logs import request_id_var
from ..metrics import SSE_STREAMS, WS_CONNECTIONS
from ..middleware import route_template
from ..origins import origin_allowed
from ..runtime import Runtime
from ..screenshots.reader import announce as announce_screenshot_readers
from ..wording.lite import for_infrazen_client
from ..wording.messages import error_text, message

log = logging.getLogger("infrazen_agent.api.chat")
router = APIRouter(tags=["chat"], responses=AUTH_RESPONSES)

AUTH_FRAME_TIMEOUT_S = 10.0
SSE_KEEPALIVE_S = 15.0
MAX_FRAME_CHARS = 64 * 1024
MAX_PAGE_CONTEXT_CHARS = 4096


async def on_start(runtime: Runtime) -> None:
    # Build the gateway now: LiteLLM's import (when a model needs it) belongs to start-up, not to
    # the first answer. The OpenAI client LiteLLM drives imports its resources on first use (~1 s
    # of CPU): that too, here.
    gateway = get_gateway(runtime)
    gateway.warm_up()
    if gateway.uses_litellm:
        importlib.import_module("openai.resources.chat")
    service = ChatService(runtime)
    await service.start()
    runtime.services["chat"] = service
    announce_screenshot_readers(runtime)


# --- HTTP ------------------------------------------------------------------------------------


class ChatStart(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"scope": "recommendation", "recommendation_id": 42},
                {"scope": "analytics", "time_range": {"days": 30}},
            ]
        },
    )

    scope: Literal["recommendation", "analytics"]
    recommendation_id: int | str | None = None
    time_range: TimeRange | None = None
    page_context: dict[str, Any] | None = None

    @field_validator("recommendation_id")
    @classmethod
    def _rec_id(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, str) and not (0 < len(value) <= 64):
            raise ValueError("recommendation_id must be 1-64 characters")
        return value

    @field_validator("page_context")
    @classmethod
    def _small(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value, default=str)) > MAX_PAGE_CONTEXT_CHARS:
            raise ValueError(f"page_context is larger than {MAX_PAGE_CONTEXT_CHARS} characters")
        if has_control_chars(value):
            raise ValueError("control characters (such as NUL) are not allowed")
        return value

    @model_validator(mode="after")
    def _scope_fields(self) -> ChatStart:
        if self.scope == "recommendation" and self.recommendation_id is None:
            raise ValueError("scope recommendation needs recommendation_id")
        if self.scope == "analytics" and self.recommendation_id is not None:
            raise ValueError("scope analytics takes time_range, not recommendation_id")
        return self


class ChatStarted(BaseModel):
    session_id: str
    scope: str
    ws_url: str
    stream_url: str
    expires_at: datetime
    context: dict[str, Any] = Field(description="size of the context pack: tokens, budget")


class TurnIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"content": "Сколько сэкономим и какие риски?", "client_message_id": "m-1"}]},
    )

    content: str = ""
    attachments: list[str] = Field(default_factory=list)
    client_message_id: str | None = None


def _base_urls(request: Request, runtime: Runtime) -> tuple[str, str]:
    public = runtime.settings.agent_public_url.rstrip("/")
    http = public or str(request.base_url).rstrip("/")
    ws = "wss" + http[5:] if http.startswith("https") else "ws" + http[4:]
    return http, ws


_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid token"},
    404: {"description": "Unknown session or recommendation, or another tenant's"},
    422: {"description": "Malformed body"},
}


@router.post(
    "/v1/chat/start",
    response_model=ChatStarted,
    status_code=201,
    responses=_RESPONSES,
    summary="Start a chat session about a recommendation or an analytics range",
)
async def start(body: ChatStart, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep) -> ChatStarted:
    if not principal.allows_chat(body.scope, body.recommendation_id):
        raise Forbidden("the token was minted for another chat")
    service = get_chat_service(runtime)
    time_range = (body.time_range or TimeRange(days=30)).as_json() if body.scope == "analytics" else None
    session, pack = await service.start_session(
        principal,
        scope=body.scope,
        recommendation_id=str(body.recommendation_id) if body.recommendation_id is not None else None,
        time_range=time_range,
        page_context=body.page_context,
        request_id=request_id_var.get(),
    )
    http, ws = _base_urls(request, runtime)
    return ChatStarted(
        session_id=session.id,
        scope=session.scope,
        ws_url=f"{ws}/v1/chat/ws?session={session.id}",
        stream_url=f"{http}/v1/chat/sessions/{session.id}/messages",
        expires_at=session.expires_at,
        context={"tokens": pack.get("tokens"), "budget": pack.get("budget")},
    )


@router.get("/v1/chat/sessions/{session_id}", responses=_RESPONSES, summary="The session's transcript (its owner only)")
async def transcript(session_id: str, principal: CurrentPrincipal, runtime: RuntimeDep) -> dict[str, Any]:
    service = get_chat_service(runtime)
    session = await service.load_session(principal, session_id)
    try:
        await service.reap(session)  # a turn whose replica died is reported, not "in progress"
    except Exception:  # the next reader checks again
        log.warning("interrupted turns not checked", exc_info=True, extra={"session_id": session.id})
    return {
        "session_id": session.id,
        "scope": session.scope,
        "recommendation_id": session.recommendation_id,
        "time_range": session.time_range,
        "created_at": session.created_at.isoformat(),
        "expires_at": session.expires_at.isoformat(),
        "turn_in_progress": await service.running_turn(session),
        "queued": await service.waiting(session),
        "messages": await service.history(session, limit=None),
    }


@router.post(
    "/v1/chat/sessions/{session_id}/cancel",
    status_code=202,
    responses=_RESPONSES,
    summary="Cancel the running turn (for SSE clients, which cannot send frames)",
)
async def cancel(
    session_id: str,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    body: Annotated[ClientCancel | None, Body(examples=[{"type": "cancel", "turn_id": "turn_5Yb2"}])] = None,
) -> dict[str, Any]:
    service = get_chat_service(runtime)
    session = await service.load_session(principal, session_id)
    await service.cancel(session, body.turn_id if body else None)
    return {"session_id": session.id, "cancel_requested": True}


class ConfirmIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"action_id": "act_3kq9", "approve": True}]}
    )

    action_id: str = Field(max_length=40)
    approve: bool


@router.post(
    "/v1/chat/sessions/{session_id}/confirm",
    responses=_RESPONSES,
    summary="Approve or reject an action the assistant proposed (`confirm_required`) in this session",
)
async def confirm(session_id: str, body: ConfirmIn, principal: CurrentPrincipal, runtime: RuntimeDep) -> dict[str, Any]:
    service = get_chat_service(runtime)
    session = await service.load_session(principal, session_id)
    action = await service.confirm(principal, session, body.action_id, body.approve)
    return _action_result(action, "ru").model_dump(exclude={"turn_id"}) | {"action": action.public()}


@router.get("/v1/actions/{action_id}", responses=_RESPONSES, summary="One of the caller's actions and its result")
async def action_status(action_id: str, principal: CurrentPrincipal, runtime: RuntimeDep) -> dict[str, Any]:
    return (await get_action(runtime, principal, action_id)).public()


@router.get(
    "/v1/actions/{action_id}/document",
    responses=_RESPONSES,
    summary="The change-plan document an executed draft_change_plan wrote (markdown)",
)
async def action_document(action_id: str, principal: CurrentPrincipal, runtime: RuntimeDep) -> Response:
    action = await get_action(runtime, principal, action_id)
    key = ((action.result or {}).get("data") or {}).get("document_key")
    if action.status != "executed" or not key:
        raise NotFound("this action wrote no document")
    data = await runtime.store.get(key)
    headers = {"Content-Disposition": f'attachment; filename="change-plan-{action_id}.md"'}
    return Response(data, media_type="text/markdown; charset=utf-8", headers=headers)


_SSE_DOC: dict[str, Any] = {
    "responses": {
        "200": {
            "description": "`text/event-stream` of the turn's events (or, with "
            "`Accept: application/json`, the final `message`)",
            "content": {"text/event-stream": {}, "application/json": {}},
        }
    },
}


@router.post(
    "/v1/chat/sessions/{session_id}/messages",
    responses=_RESPONSES,
    openapi_extra=_SSE_DOC,
    summary="Send a message; the turn streams back as Server-Sent Events",
)
async def post_message(
    session_id: str, body: TurnIn, request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> Response:
    service = get_chat_service(runtime)
    session = await service.load_session(principal, session_id)
    try:
        msg = ClientMessage.model_validate(body.model_dump())
    except ValidationError as exc:
        raise InvalidInput(_first_error(exc)) from None
    sub = service.hub.subscribe(session.id)  # before submitting: no event can be missed
    try:
        submitted = await service.submit(
            principal, session, msg, request_id=request_id_var.get(), route=route_template(request.scope)
        )
    except BaseException:
        sub.close()
        raise
    events = _turn_events(sub, submitted.turn_id, submitted.replay)
    if "text/event-stream" not in request.headers.get("accept", ""):
        return await _final_json(events)
    return StreamingResponse(
        _sse(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"},
    )


async def _turn_events(sub: Subscription, turn_id: str, replay: list[Envelope]):  # type: ignore[no-untyped-def]
    """The events of one turn, ending with its terminal event; None marks a keep-alive tick."""
    try:
        for env in replay:
            yield env
            if env.terminal:
                return
        while True:
            try:
                env = await asyncio.wait_for(sub.get(), SSE_KEEPALIVE_S)
            except TimeoutError:
                yield None
                continue
            if env.turn_id != turn_id:
                continue
            yield env
            if env.terminal:
                return
    finally:
        sub.close()


async def _sse(events: Any) -> Any:
    SSE_STREAMS.inc()
    try:
        async for env in events:
            yield ": keep-alive\n\n" if env is None else env.sse()
    finally:
        SSE_STREAMS.dec()


async def _final_json(events: Any) -> Response:
    final: Envelope | None = None
    try:
        async with asyncio.timeout(TURN_TIMEOUT_S + 30):
            async for env in events:
                if env is not None and env.terminal:
                    final = env
    finally:
        await events.aclose()
    if final is None:
        return error_response(504, "timeout", "the answer did not finish in time")
    body = json.loads(final.json)
    if final.type == "error":
        status = 429 if body["code"] in ("rate_limited", "budget_exceeded") else 503
        return error_response(status, body["code"], body["message"])
    return JSONResponse(body)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "frame"
    return f"{where}: {err.get('msg', 'invalid')}"


# --- WebSocket -------------------------------------------------------------------------------


async def _close(websocket: WebSocket, exc: AgentError) -> None:
    if websocket.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError):  # already closing
            await websocket.close(code=exc.ws_close_code, reason=exc.message[:120])


async def _principal(websocket: WebSocket, runtime: Runtime, token: str | None) -> Principal:
    """From the `token` query parameter, or a first frame {"type":"auth","token":…}."""
    if not token:
        try:
            message = await asyncio.wait_for(websocket.receive(), AUTH_FRAME_TIMEOUT_S)
        except TimeoutError:
            raise Unauthorized("no token: pass ?token= or send an auth frame first") from None
        raw = message.get("text")
        if not isinstance(raw, str):  # a binary frame, or the client went away
            raise Unauthorized('the first frame must be a text frame {"type":"auth","token":…}')
        try:
            frame = CLIENT_FRAME.validate_json(raw)
        except ValidationError:
            raise Unauthorized('the first frame must be {"type":"auth","token":…}') from None
        if not isinstance(frame, ClientAuth):
            raise Unauthorized('the first frame must be {"type":"auth","token":…}')
        token = frame.token
    return verify_token(runtime.settings, token)


def merge_deltas(envs: list[Envelope]) -> list[Envelope]:
    """Consecutive deltas of one turn that queued up (a busy process, a slow client) go out as one
    delta: fewer frames when it matters most, and the concatenated text is unchanged."""
    if len(envs) < 2:
        return envs
    out: list[Envelope] = []
    texts: list[str] = []
    for env in envs:
        if env.type == "delta" and out and out[-1].type == "delta" and out[-1].turn_id == env.turn_id:
            texts.append(json.loads(env.json)["text"])
            continue
        if texts:
            out[-1] = _joined(out[-1], texts)
            texts = []
        out.append(env)
    if texts:
        out[-1] = _joined(out[-1], texts)
    return out


def _joined(first: Envelope, more: list[str]) -> Envelope:
    text = json.loads(first.json)["text"] + "".join(more)
    return Envelope.of(Delta(turn_id=first.turn_id, text=text))


def _action_result(action: Action, lang: str) -> ActionResult:
    return ActionResult(
        action_id=action.id, status=action.status, summary=outcome_text(action, lang), result=action.result
    )


class _Connection:
    """One WebSocket on one session: a reader (client frames) and a writer (the session's events
    from the hub, plus this connection's own replies, all through one queue so sends never
    interleave)."""

    translate: Translate | None = None
    lang = "ru"
    protocol = "agent"  # the label of the open-connections gauge

    def __init__(self, websocket: WebSocket, service: ChatService, principal: Principal, session: ChatSession):
        self.ws = websocket
        self.service = service
        self.principal = principal
        self.session = session
        self.sub = service.hub.subscribe(session.id, self.translate)
        self.budget = FrameBudget()

    def reply(self, env: Envelope) -> None:
        self.sub.deliver(env)

    async def run(self, first: Envelope | None) -> None:
        writer = asyncio.create_task(self._write(first))
        expiry = asyncio.create_task(self._close_at_expiry())
        WS_CONNECTIONS.labels(self.protocol).inc()
        try:
            await self._read()
        finally:
            WS_CONNECTIONS.labels(self.protocol).dec()
            writer.cancel()
            expiry.cancel()
            self.sub.close()
            await asyncio.gather(writer, expiry, return_exceptions=True)

    async def _close_at_expiry(self) -> None:
        """The token was checked at connect; the connection must not outlive it."""
        if self.principal.expires_at is None:
            return
        await asyncio.sleep(max(0.0, self.principal.expires_at - time.time()))
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await self.ws.close(code=1008, reason="token expired; reconnect with a fresh token")

    async def _write(self, first: Envelope | None) -> None:
        try:
            if first is not None:
                await self.ws.send_text(first.json)
            while True:
                pending = [await self.sub.get()]
                while not self.sub.queue.empty():
                    pending.append(self.sub.queue.get_nowait())
                if self.sub.overflowed:
                    await self.ws.close(code=1013, reason="client too slow; reconnect")
                    return
                for env in merge_deltas(pending):
                    await self.ws.send_text(env.json)
        except (WebSocketDisconnect, RuntimeError):
            return

    async def _read(self) -> None:
        while True:
            try:
                message = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            if not self.budget.take():
                if self.budget.flooding:
                    await _close(self.ws, RateLimited("too many frames on this connection"))
                    return
                if self.budget.should_warn():
                    self._error(RateLimited("too many frames on this connection; slow down"))
                continue
            raw = message.get("text")
            if raw is None:
                self._error(BadRequest("send JSON text frames"))
                continue
            try:
                await self.handle(raw)
            except AgentError as exc:
                self._error(exc)
            except Exception:
                # A dependency hiccup (Redis, Postgres) fails this frame, not the connection.
                log.exception("chat frame failed", extra={"session_id": self.session.id})
                self._error(Unavailable("the message could not be handled; send it again"))

    def _error(self, exc: AgentError, turn_id: str | None = None) -> None:
        self.reply(
            Envelope.of(ErrorEvent(turn_id=turn_id, code=exc.code, message=exc.message, retryable=exc.retryable))
        )

    async def handle(self, raw: str) -> None:
        if len(raw) > MAX_FRAME_CHARS:
            self._error(BadRequest(f"frame larger than {MAX_FRAME_CHARS} characters"))
            return
        try:
            frame = CLIENT_FRAME.validate_json(raw)
        except ValidationError as exc:
            self._error(InvalidInput(_first_error(exc)))
            return
        if isinstance(frame, ClientMessage):
            await self.submit(frame)
        elif isinstance(frame, ClientCancel):
            await self.service.cancel(self.session, frame.turn_id)
        elif isinstance(frame, ClientPing):
            self.reply(Envelope.of(Pong()))
        elif isinstance(frame, ClientConfirm):
            action = await self.service.confirm(self.principal, self.session, frame.action_id, frame.approve)
            self.reply(Envelope.of(_action_result(action, self.lang)))
        # a later auth frame changes nothing: the connection's principal is fixed

    async def submit(self, frame: ClientMessage) -> None:
        self.lang = detect_language(frame.content)
        submitted = await self.service.submit(
            self.principal, self.session, frame, request_id=request_id_var.get(), route=route_template(self.ws.scope)
        )
        for env in submitted.replay:
            self.reply(env)


@router.websocket("/v1/chat/ws")
async def chat_ws(websocket: WebSocket, session: str = "", token: str = "") -> None:
    runtime = await runtime_of(websocket).ensure_started()
    if not origin_allowed(runtime.settings, websocket):
        log.warning("chat refused", extra={"code": "forbidden", "reason": "origin not in AGENT_CORS_ORIGINS"})
        await websocket.close(code=1008)  # before accept: HTTP 403
        return
    await websocket.accept()
    try:
        principal = await _principal(websocket, runtime, token or None)
        websocket.state.tenant_id = principal.tenant_id  # for the connection's access-log line
        service = get_chat_service(runtime)
        chat_session = await service.load_session(principal, session)
    except AgentError as exc:
        await _close(websocket, exc)
        return
    except WebSocketDisconnect:
        return
    conn = _Connection(websocket, service, principal, chat_session)
    try:  # a turn whose replica died is reported now, not awaited
        await service.reap(chat_session)
    except Exception:  # Redis or Postgres away: the next client checks again
        log.warning("interrupted turns not checked", exc_info=True, extra={"session_id": chat_session.id})
    ready = Ready(
        session_id=chat_session.id,
        scope=chat_session.scope,
        mode=get_gateway(runtime).mode,
        history=await service.history(chat_session),
        turn_in_progress=await service.running_turn(chat_session),
        queued=await service.waiting(chat_session),
    )
    await conn.run(Envelope.of(ready))


# --- the existing InfraZen browser client ----------------------------------------------------
# Its protocol: docs/infrazen-dropin.md. It renders `**bold**` and line breaks only, shows each
# frame's `timestamp`, reconnects 5 times (the count restarts whenever a socket opens) and shows
# the text of an assistant frame, so errors are sentences in the user's language.


def _legacy_frame(kind: str, content: str, timestamp: str | None = None, **extra: Any) -> str:
    stamp = timestamp or datetime.now(UTC).isoformat()
    return json.dumps({"type": kind, "content": content, "timestamp": stamp, **extra}, ensure_ascii=False)


_GREETING = {
    "recommendation": "Ассистент InfraZen на связи. Спросите об этой рекомендации: экономия, "
    "альтернативы, трудозатраты, план миграции.",
    "analytics": "Ассистент InfraZen на связи. Спросите о ваших расходах: тренды, сервисы, "
    "провайдеры, аномалии, рекомендации.",
}
_OFFLINE_NOTE = " (Офлайн-режим: ответы собираются из ваших данных без языковой модели.)"
LEGACY_LANGUAGE = "ru"  # InfraZen's users read Russian (users.language defaults to ru)


def _legacy_event(env: Envelope) -> Envelope | None:
    if env.type == "message":
        body = json.loads(env.json)
        return Envelope(
            "assistant",
            env.turn_id,
            _legacy_frame(
                "assistant",
                for_infrazen_client(body["content"]),
                mode=body["mode"],
                grounding=body["grounding"],
                incomplete=body["incomplete"],
            ),
            True,
        )
    if env.type == "error" and env.turn_id is not None:
        body = json.loads(env.json)
        text = error_text(body["code"], body["message"], LEGACY_LANGUAGE)
        return Envelope("assistant", env.turn_id, _legacy_frame("assistant", f"⚠️ {text}", error=True), True)
    if env.type == "confirm_required":
        body = json.loads(env.json)
        ask = f"Предлагаю: {body['preview']}. Подтвердите: да/нет."
        return Envelope("assistant", env.turn_id, _legacy_frame("assistant", ask, action_id=body["action_id"]), False)
    if env.type == "report":
        body = json.loads(env.json)
        if body["status"] not in ("ready", "failed"):
            return None  # the confirmation's answer already says it started
        links = body.get("links") or {}
        text = (
            message(
                "report.ready_text",
                LEGACY_LANGUAGE,
                title=body.get("title") or "",
                links=", ".join(links[f] for f in ("html", "pdf") if f in links),
            )
            if body["status"] == "ready"
            else message("report.failed_text", LEGACY_LANGUAGE, reason=(body.get("error") or {}).get("message", ""))
        )
        return Envelope("assistant", None, _legacy_frame("assistant", text), False)
    if env.type in ("assistant", "typing", "system", "user"):
        return env
    return None


_YES, _NO = {"да", "yes", "подтверждаю", "ок", "ok"}, {"нет", "no", "отмена", "cancel"}


class _LegacyConnection(_Connection):
    """Speaks the InfraZen client's frames: `{"content"}` in; `system`, `user`, `assistant`,
    `typing` out. Deltas and tool events are not part of that protocol and are not sent."""

    translate = staticmethod(_legacy_event)
    lang = LEGACY_LANGUAGE
    protocol = "infrazen"

    async def handle(self, raw: str) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            return
        content = frame.get("content") if isinstance(frame, dict) else None
        if not isinstance(content, str) or not content.strip():
            return  # the client's own rule: frames without content are ignored
        self.lang = detect_language(content, LEGACY_LANGUAGE)
        answer = content.strip().strip(".!").lower()
        if answer in _YES | _NO:  # «да/нет» to a proposed action of this chat
            pending = await pending_in_session(self.service.runtime, self.principal, self.session.id)
            if pending is not None:
                action = await self.service.confirm(self.principal, self.session, pending.id, answer in _YES)
                text = outcome_text(action, self.lang)
                self.reply(Envelope("assistant", None, _legacy_frame("assistant", text), False))
                return
        self.reply(Envelope("typing", None, _legacy_frame("typing", ""), False))
        try:
            msg = ClientMessage(content=content)
        except ValidationError as exc:
            self._error(InvalidInput(_first_error(exc)))
            return
        await self.service.submit(
            self.principal, self.session, msg, request_id=request_id_var.get(), route=route_template(self.ws.scope)
        )

    def _error(self, exc: AgentError, turn_id: str | None = None) -> None:
        text = error_text(exc.code, exc.message, self.lang)
        self.reply(Envelope("assistant", None, _legacy_frame("assistant", f"⚠️ {text}", error=True), False))


async def _legacy_session(
    websocket: WebSocket, runtime: Runtime, scope: Literal["recommendation", "analytics"], recommendation_id: str | None
) -> tuple[Principal, ChatSession]:
    if not origin_allowed(runtime.settings, websocket):
        raise Forbidden("this page's origin is not in AGENT_CORS_ORIGINS")
    principal = verify_token(runtime.settings, websocket.query_params.get("token") or "")
    if not principal.allows_chat(scope, recommendation_id):
        raise Forbidden("the token was minted for another chat")
    context = principal.scope.get("context") or {}
    days = context.get("time_range_days", 30) if isinstance(context, dict) else 30
    if not isinstance(days, int) or not 1 <= days <= 366:
        days = 30
    key = f"rec:{recommendation_id}" if scope == "recommendation" else f"analytics:{days}"
    session, _ = await get_chat_service(runtime).start_session(
        principal,
        scope=scope,
        recommendation_id=recommendation_id,
        time_range={"days": days} if scope == "analytics" else None,
        legacy_key=key,
        request_id=request_id_var.get(),
    )
    return principal, session


async def _legacy(
    websocket: WebSocket, scope: Literal["recommendation", "analytics"], recommendation_id: str | None
) -> None:
    runtime = await runtime_of(websocket).ensure_started()
    try:
        principal, session = await _legacy_session(websocket, runtime, scope, recommendation_id)
        websocket.state.tenant_id = principal.tenant_id
    except AgentError as exc:
        # Refused at the handshake (HTTP 403), never accepted and then closed: the client counts
        # a refusal against its 5 tries, while a socket that opens restarts its count for ever.
        log.warning("infrazen chat refused", extra={"scope": scope, "code": exc.code, "reason": exc.message})
        await websocket.close(code=1008)
        return
    await websocket.accept()
    service = get_chat_service(runtime)
    conn = _LegacyConnection(websocket, service, principal, session)
    greeting = _GREETING[scope] + ("" if get_gateway(runtime).is_online() else _OFFLINE_NOTE)
    try:
        await websocket.send_text(_legacy_frame("system", greeting))
        for item in await service.history(session, limit=20):
            if item["content"]:
                content = item["content"] if item["role"] == "user" else for_infrazen_client(item["content"])
                await websocket.send_text(_legacy_frame(item["role"], content, item["created_at"]))
    except (WebSocketDisconnect, RuntimeError):
        return
    await conn.run(None)


@router.websocket("/v1/chat/rec/{recommendation_id}")
async def legacy_recommendation(websocket: WebSocket, recommendation_id: str) -> None:
    await _legacy(websocket, "recommendation", recommendation_id)


@router.websocket("/v1/chat/analytics")
async def legacy_analytics(websocket: WebSocket) -> None:
    await _legacy(websocket, "analytics", None)
