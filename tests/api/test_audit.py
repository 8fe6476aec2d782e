"""`GET /v1/audit`: admins read their own tenant's tool calls, filtered and paged; nobody else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from infrazen_agent.config import Settings
from tests.support.asgi import in_process
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT


@pytest.fixture
async def client(seeded_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(["tools"], seeded_settings) as c:
        yield c


async def _calls(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    for tenant, users in ((MAIN_TENANT, ("1001", "1002")), (SMALL_TENANT, ("2002",))):
        for user in users:
            h = auth(user, tenant)
            for _ in range(3):
                assert (await client.post("/v1/tools/get_user_context", json={}, headers=h)).status_code == 200
            bad = await client.post("/v1/tools/get_recommendation", json={"recommendation_id": 999999}, headers=h)
            assert bad.status_code == 404


async def test_admins_page_through_their_own_tenant_only(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    await _calls(client, auth)
    admin = auth("boss", MAIN_TENANT, roles=["admin"])
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/audit", params=params, headers=admin)).json()
        seen += [i["id"] for i in page["items"]]
        assert all(i["user_id"] in ("1001", "1002") for i in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 8 and seen == sorted(seen, reverse=True)
    other = (await client.get("/v1/audit", headers=auth("boss2", SMALL_TENANT, roles=["admin"]))).json()
    assert {i["user_id"] for i in other["items"]} == {"2002"} and not set(seen) & {i["id"] for i in other["items"]}
    errors = (await client.get("/v1/audit", params={"outcome": "error", "user": "1002"}, headers=admin)).json()
    assert [(i["tool"], i["error_code"]) for i in errors["items"]] == [("get_recommendation", "not_found")]
    tool = (await client.get("/v1/audit", params={"tool": "get_user_context"}, headers=admin)).json()
    assert len(tool["items"]) == 6 and tool["items"][0]["summary"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    later = await client.get("/v1/audit", params={"since": future}, headers=admin)
    assert later.json()["items"] == []


async def test_nobody_but_an_admin_reads_it(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    for headers in (
        auth("1001", MAIN_TENANT),
        auth("1001", MAIN_TENANT, roles=["analyst"]),
        auth("1001", MAIN_TENANT, roles=["admin"], demo=True),
    ):
        assert (await client.get("/v1/audit", headers=headers)).status_code == 403
    assert (await client.get("/v1/audit")).status_code == 401
    admin = auth("boss", MAIN_TENANT, roles=["admin"])
    for bad in ({"cursor": "abc"}, {"limit": 0}, {"outcome": "maybe"}, {"since": "yesterday"}):
        r = await client.get("/v1/audit", params=bad, headers=admin)
        assert r.status_code == 422 and "Traceback" not in r.text
