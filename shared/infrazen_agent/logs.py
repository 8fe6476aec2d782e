"""JSON logs on stdout with a correlation id carried in a context variable.

The library never configures logging on import; entry points call `configure_logging` once.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Attributes other libraries put on every record they touch, not fields of ours: LiteLLM's secret
# filter stamps `litellm_redacted` (a bare object()) on records of the loggers it watches (uvicorn,
# httpx…), and uvicorn adds `color_message` (the message again, with terminal colours).
_FOREIGN = frozenset({"litellm_redacted", "color_message"})


# A token in a query string (uvicorn logs the WebSocket path with it) or anywhere else in a line.
_TOKEN_PARAM = re.compile(r"(?i)((?:access_)?token=)[^&\s\"']+")
_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")


def redact(text: str) -> str:
    """The line with every token replaced: a JWT in a log is a credential anyone can replay."""
    return _JWT.sub("[jwt]", _TOKEN_PARAM.sub(r"\1[redacted]", text))


def _redacted(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes | bytearray):
        return redact(bytes(value).decode("utf-8", "replace"))
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {k: _redacted(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_redacted(v, depth + 1) for v in value]
    return value


class RedactTokens(logging.Filter):
    """Applied to every record our handler writes, whoever logs it (uvicorn, libraries, us)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        for key, value in list(vars(record).items()):
            if key in _RESERVED or key in _FOREIGN or key.startswith("_"):
                continue
            if not isinstance(value, int | float | bool):
                setattr(record, key, _redacted(value))
        return True


def new_request_id() -> str:
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            payload["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in _FOREIGN and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log would duplicate ours; its error log goes through JSON too.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for noisy in ("LiteLLM", "litellm", "httpx", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
