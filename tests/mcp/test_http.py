"""`/mcp` over real HTTP: the tool API's authentication in front of the SDK's transport — no
token, a bad, expired or wrongly signed one, or a chat token is refused before any MCP message
is read, in the service's error format."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import httpx2
import jwt
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.conftest import TEST_SECRET
from tests.support.data_fixtures import MAIN_TENANT, DemoIds
from tests.support.servers import LiveServer

from .conftest import Connect

Token = Callable[..., str]
_INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _legacy_chat_token() -> str:
    now = int(time.time())
    claims = {"user_id": 1001, "scenario": "analytics", "exp": now + 600, "iat": now}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


async def test_refused_without_a_valid_service_token(service: LiveServer, token_for: Token) -> None:
    cases = [
        (None, 401, "missing Authorization"),
        ("not-a-jwt", 401, "malformed token"),
        (token_for("1001", MAIN_TENANT, ttl_s=-120), 401, "token expired"),
        (
            jwt.encode(
                {"sub": "1001", "exp": int(time.time()) + 60}, "another-secret-0123456789abcdef-for-tests", "HS256"
            ),
            401,
            "signature",
        ),
        (_legacy_chat_token(), 403, "service token"),
    ]
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
        for token, status, message in cases:
            headers = dict(_HEADERS, **({"Authorization": f"Bearer {token}"} if token else {}))
            resp = await client.post("/mcp", json=_INITIALIZE, headers=headers)
            assert resp.status_code == status, (token, resp.text)
            error = resp.json()["error"]
            assert message in error["message"] and error["request_id"] == resp.headers["x-request-id"]
            if status == 401:
                assert resp.headers["www-authenticate"].startswith("Bearer")
        ok = await client.post(
            "/mcp", json=_INITIALIZE, headers={**_HEADERS, "Authorization": f"Bearer {token_for('1001', MAIN_TENANT)}"}
        )
    assert ok.status_code == 200 and ok.json()["result"]["serverInfo"]["name"] == "infrazen-agent"


async def test_the_sdk_client_is_refused_without_a_token(connect: Connect, token_for: Token) -> None:
    for token in (None, token_for("1001", MAIN_TENANT, ttl_s=-120)):
        with pytest.raises(ExceptionGroup) as refused:  # the SDK's task groups wrap its error
            async with connect(token) as session:
                await session.list_tools()
        errors = refused.value.subgroup(MCPError)
        assert errors is not None, repr(refused.value)  # the 401 ends the initialize request: no session


async def test_a_client_of_the_2026_protocol_is_served_the_same(
    service: LiveServer, token_for: Token, demo: DemoIds
) -> None:
    """The SDK's `Client` probes `server/discover` and speaks 2026-07-28 (no handshake, one
    envelope per request): the same endpoint, token check and tools serve it."""
    rid = demo.resource(MAIN_TENANT, "server")
    headers = {"Authorization": f"Bearer {token_for('1001', MAIN_TENANT)}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(service.url + "/mcp", http_client=http)) as client,
    ):
        assert client.protocol_version == "2026-07-28"
        assert "get_resource" in {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("get_resource", {"resource_id": rid})
        assert not result.is_error and result.structured_content["resource"]["id"] == rid
    async with (
        httpx2.AsyncClient(timeout=30) as anonymous,
        httpx.AsyncClient(base_url=service.url, timeout=30) as raw,
    ):
        with pytest.raises(ExceptionGroup):
            async with Client(streamable_http_client(service.url + "/mcp", http_client=anonymous)) as client:
                await client.list_tools()
        resp = await raw.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}},
            headers={**_HEADERS, "MCP-Protocol-Version": "2026-07-28"},
        )
    assert resp.status_code == 401
