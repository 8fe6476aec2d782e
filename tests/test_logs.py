"""No token in a log line, whoever writes it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from infrazen_agent.auth import mint_token
from infrazen_agent.config import Settings
from infrazen_agent.logs import JsonFormatter, RedactTokens, redact


@contextmanager
def json_log(name: str) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through the service's handler set-up (JSON, redaction) into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactTokens())
    log = logging.getLogger(name)
    log.addHandler(handler)
    log.propagate = False
    try:
        yield log, stream
    finally:
        log.removeHandler(handler)


def test_tokens_are_taken_out_of_every_field() -> None:
    token = mint_token(Settings(_env_file=None), user="u1")  # type: ignore[call-arg]
    with json_log("test.redaction") as (log, stream):
        log.warning('%s - "WebSocket /v1/chat/rec/5?token=%s" 403', "127.0.0.1:5", token)
        log.warning("auth failed", extra={"header": f"Bearer {token}", "url": f"/x?a=1&token={token}&b=2"})
        try:
            raise ValueError(f"bad token {token}")
        except ValueError:
            log.exception("boom")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 3
    assert token not in stream.getvalue() and "eyJ" not in stream.getvalue()
    assert "token=[redacted]" in lines[0]["msg"] and lines[1]["url"].endswith("&b=2")


def test_redact_keeps_ordinary_text() -> None:
    assert redact("request GET /v1/health 200") == "request GET /v1/health 200"
    assert redact("?access_token=abc.def&x=1") == "?access_token=[redacted]&x=1"


def test_nested_and_binary_fields_are_redacted_too() -> None:
    token = mint_token(Settings(_env_file=None), user="u2")  # type: ignore[call-arg]
    with json_log("test.redaction.nested") as (log, stream):
        log.warning(
            "call",
            extra={"headers": {"authorization": f"Bearer {token}"}, "argv": ["x", token], "raw": token.encode()},
        )
    assert "eyJ" not in stream.getvalue() and stream.getvalue().count("[jwt]") == 3


def test_fields_other_libraries_stamp_on_records_are_not_written() -> None:
    """LiteLLM's secret filter marks every record of the loggers it watches (uvicorn's among
    them) with `litellm_redacted = object()`; uvicorn adds `color_message`. Neither is ours."""
    import litellm._logging  # noqa: F401 - installs its filter on uvicorn.error, as importing LiteLLM does

    with json_log("uvicorn.error") as (log, stream):
        log.warning("Started server process [%d]", 42, extra={"color_message": "Started \x1b[36m%d\x1b[0m"})
    line = json.loads(stream.getvalue())
    assert line["msg"] == "Started server process [42]"
    assert "litellm_redacted" not in line and "color_message" not in line and "object at 0x" not in stream.getvalue()


async def test_the_access_line_names_the_tenant_route_status_and_latency(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="infrazen_agent.access"):
        tools = await client.get("/v1/tools", headers={**auth("u7", "tenant-7"), "X-Request-Id": "req-from-nginx"})
        health = await client.get("/v1/health")
    assert tools.status_code == 200 and tools.headers["x-request-id"] == "req-from-nginx"
    lines = {r.route: r for r in caplog.records if r.name == "infrazen_agent.access"}  # type: ignore[attr-defined]
    line = lines["/v1/tools"]
    assert (line.tenant_id, line.status, line.method) == ("tenant-7", 200, "GET")  # type: ignore[attr-defined]
    assert line.latency_ms > 0  # type: ignore[attr-defined]
    assert lines["/v1/health"].tenant_id is None and health.headers["x-request-id"] != "req-from-nginx"  # type: ignore[attr-defined]
