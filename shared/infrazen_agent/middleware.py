"""Request id + one JSON access-log line per request, as pure ASGI (streams pass untouched)."""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import unhandled_error_response
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


def _route_template(scope: Scope) -> str:
    # Label metrics by route template, not raw path: bounded cardinality.
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = _incoming_request_id(scope)
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "websocket.accept":
                status = 101
            elif message["type"] == "websocket.close" and not status:
                status = 403
            await send(message)

        try:
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
            route = _route_template(scope)
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
                },
            )
            request_id_var.reset(token)
