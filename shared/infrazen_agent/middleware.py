"""Request id, security headers, the body cap and one JSON access-log line per request, as pure
ASGI (streams pass untouched)."""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import PayloadTooLarge, error_response, unhandled_error_response
from .logs import new_request_id, request_id_var
from .metrics import HTTP_LATENCY, HTTP_REQUESTS

access_log = logging.getLogger("infrazen_agent.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name in (b"x-request-id", b"x-call-id"):
            candidate: str = bytes(value).decode("latin-1").strip()
            if _SAFE_ID.match(candidate):
                return candidate
    return new_request_id()


def route_template(scope: Scope) -> str:
    # Label metrics by route template, not raw path: bounded cardinality.
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


# On every HTTP answer: no MIME sniffing, no framing, no referrer; API answers are not cached.
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
_NO_STORE = (b"cache-control", b"no-store")
_UPLOAD_PATHS = ("/v1/upload", "/v1/chat/upload")
_IMPORT_PATHS = ("/v1/imports/focus",)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = bytes(value).decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = 1024 * 1024,
        max_upload_bytes: int = 8 * 1024 * 1024,
        max_import_bytes: int = 512 * 1024 * 1024,
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.max_import_bytes = max_import_bytes

    def _limit(self, scope: Scope) -> int:
        path = scope.get("path", "")
        if path in _IMPORT_PATHS:
            return self.max_import_bytes
        return self.max_upload_bytes if path in _UPLOAD_PATHS else self.max_body_bytes

    def _capped(self, receive: Receive, limit: int, over: list[bool]) -> Receive:
        """Counts the body as the app reads it: a chunked body has no length to refuse up front.
        Past the limit the app gets an error (and `over` is set so its answer is replaced)."""
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over[0] = True
                    raise PayloadTooLarge(f"the request body is over {limit} bytes")
            return message

        return capped

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = _incoming_request_id(scope)
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 0

        over = [False]  # the body went past the cap while the app read it
        replaced = False

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if over[0] and message["type"].startswith("http.response"):
                # whatever the app made of the cut body (FastAPI says 400), the answer is a 413
                if not replaced:
                    replaced = True
                    limit = self._limit(scope)
                    response = error_response(413, "payload_too_large", f"the request body is over {limit} bytes")
                    await response(scope, receive, forward)
                return
            await forward(message)

        async def forward(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in _SECURITY_HEADERS if h[0] not in present]  # a route may set its own
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            elif message["type"] == "websocket.accept":
                status = 101  # the handshake's answer carries the id too: a client can quote it
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            elif message["type"] == "websocket.close" and not status:
                status = 403
            await send(message)

        try:
            if scope["type"] == "http":
                limit = self._limit(scope)
                declared = _declared_length(scope)
                if declared is not None and declared > limit:
                    # refused before a byte of the body is read
                    await error_response(413, "payload_too_large", f"the request body is over {limit} bytes")(
                        scope, receive, send_wrapper
                    )
                    return
                receive = self._capped(receive, limit, over)
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # Answer here, while the request id is still set; the client sees no trace.
            access_log.exception("unhandled error")
            if scope["type"] == "http" and not status:
                await unhandled_error_response()(scope, receive, send_wrapper)
            elif scope["type"] == "http":
                raise
        finally:
            elapsed = time.perf_counter() - started
            method = scope.get("method", "WS")
            route = route_template(scope)
            if scope["type"] == "http":
                HTTP_REQUESTS.labels(method, route, str(status or 500)).inc()
                HTTP_LATENCY.labels(method, route).observe(elapsed)
            access_log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope.get("path", ""),
                    "status": status or 500,
                    "latency_ms": round(elapsed * 1000, 2),
                    "route": route,
                    # set by the auth dependency (or the WebSocket handshake) once the token is verified
                    "tenant_id": scope.get("state", {}).get("tenant_id"),
                },
            )
            request_id_var.reset(token)
