"""The error vocabulary and its one mapping to `{"error":{"code","message","request_id"}}`.

Library code raises these; `install_error_handlers` turns them into responses. Nothing else in the
project builds an error body, and no stack trace ever reaches a client.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from .logs import request_id_var

_log = logging.getLogger("infrazen_agent.errors")


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None
    retryable: bool = False
    details: Any = None


class ErrorBody(BaseModel):
    """The one error format (documented in OpenAPI for every error status)."""

    error: ErrorDetail


# Every authenticated router declares this, so the contract documents the 401 everywhere.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing, malformed, expired or wrongly signed token"}
}


class AgentError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    retryable: ClassVar[bool] = False
    # WebSocket close code used when the error ends a connection.
    ws_close_code: ClassVar[int] = 1011

    def __init__(self, message: str, *, details: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "request_id": request_id_var.get(),
            "retryable": self.retryable,
        }
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class BadRequest(AgentError):
    status, code, ws_close_code = 400, "bad_request", 1007


class Unauthorized(AgentError):
    status, code, ws_close_code = 401, "unauthorized", 1008


class Forbidden(AgentError):
    status, code, ws_close_code = 403, "forbidden", 1008


class NotFound(AgentError):
    status, code, ws_close_code = 404, "not_found", 1008


class Conflict(AgentError):
    status, code, ws_close_code = 409, "conflict", 1008


class PayloadTooLarge(AgentError):
    status, code, ws_close_code = 413, "payload_too_large", 1009


class QuotaExceeded(PayloadTooLarge):
    code = "quota_exceeded"


class UnsupportedMediaType(AgentError):
    status, code, ws_close_code = 415, "unsupported_media_type", 1003


class InvalidInput(AgentError):
    status, code, ws_close_code = 422, "invalid_input", 1007


class RateLimited(AgentError):
    status, code, retryable, ws_close_code = 429, "rate_limited", True, 1013


class BudgetExceeded(RateLimited):
    code = "budget_exceeded"
    retryable = False


class Unavailable(AgentError):
    status, code, retryable, ws_close_code = 503, "unavailable", True, 1013


class UpstreamTimeout(Unavailable):
    code = "timeout"


def error_from_code(code: str, message: str) -> AgentError:
    """Rebuild our error from its code (tool results and the internal API carry codes only)."""
    pending: list[type[AgentError]] = [AgentError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return cls(message)
        pending.extend(cls.__subclasses__())
    return AgentError(message)


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(
    status: int, code: str, message: str, *, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "request_id": request_id_var.get(),
        "retryable": code in ("rate_limited", "unavailable", "timeout"),
    }
    if details is not None:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def unhandled_error_response() -> JSONResponse:
    return error_response(500, "internal_error", "internal error; quote the request id")


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Echo where and what, never the offending input (it may be large or sensitive).
    return [
        {"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]


@functools.cache
def _dependency_errors() -> tuple[type[Exception], ...]:
    import psycopg
    import psycopg_pool
    import redis.exceptions

    return (
        psycopg.OperationalError,
        psycopg_pool.PoolTimeout,
        psycopg_pool.PoolClosed,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
    )


def is_dependency_error(exc: BaseException) -> bool:
    return isinstance(exc, _dependency_errors())


def install_error_handlers(app: FastAPI) -> None:
    async def agent_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AgentError)
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = _validation_details(exc)
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(p for p in first["loc"] if p != "body") or "request"
        return error_response(422, "invalid_input", f"{where}: {first['msg']}", details=details)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    async def dependency_error(_: Request, exc: Exception) -> JSONResponse:
        # Postgres or Redis down or saturated: a quick, retryable 503, never a 500 after a long wait.
        logging.getLogger("infrazen_agent.errors").warning(
            "dependency unavailable", extra={"error": type(exc).__name__}
        )
        retry = Unavailable("a dependency is unavailable for a moment; retry shortly", headers={"Retry-After": "2"})
        return JSONResponse(retry.body(), status_code=retry.status, headers=retry.headers)

    for dependency in _dependency_errors():
        app.add_exception_handler(dependency, dependency_error)
    app.add_exception_handler(AgentError, agent_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
