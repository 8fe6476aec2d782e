"""The InfraZen app's report calls with a service token minted the way the app would (its shared
secret, our claims, the tenant in the token): the tenant never comes from the body."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from infrazen_agent.config import Settings
from infrazen_agent.wording.numbers import format_money
from tests.conftest import TEST_SECRET
from tests.support.asgi import in_process
from tests.support.data_fixtures import MAIN_TENANT, USD_TENANT


def app_service_token(tenant: str, *, secret: str = TEST_SECRET) -> str:
    """What the Flask app mints for its own calls (docs/infrazen-dropin.md, "Server calls")."""
    now = int(time.time())
    claims = {"sub": "infrazen-app", "tenant_id": tenant, "roles": ["analyst"], "aud": "infrazen-agent"}
    return jwt.encode({**claims, "iss": "infrazen", "iat": now, "exp": now + 300}, secret, algorithm="HS256")


@pytest.fixture
async def client(seeded_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(["generate_text", "tools"], seeded_settings) as c:
        yield c


def _h(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {app_service_token(tenant)}"}


async def test_each_tenant_gets_its_own_report(client: httpx.AsyncClient) -> None:
    reports: dict[str, dict[str, Any]] = {}
    for tenant in (MAIN_TENANT, USD_TENANT):
        body = {"user_id": tenant, "role": "cfo", "context": {"time_range_days": 30, "filters": {}}}
        r = await client.post("/v1/reports/render", json=body, headers=_h(tenant))
        assert r.status_code == 200, r.text
        reports[tenant] = r.json()
        assert reports[tenant]["success"] is True
        tool = await client.post("/v1/tools/get_analytics_overview", json={"days": 30}, headers=_h(tenant))
        assert reports[tenant]["snapshot"]["overview"] == tool.json()["data"]
    main, usd = reports[MAIN_TENANT], reports[USD_TENANT]
    assert main["snapshot"]["overview"]["currency"] == "RUB" and usd["snapshot"]["overview"]["currency"] == "USD"
    html = main["html"]
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http" not in html.split("<body>")[1]
    spend = main["snapshot"]["overview"]["total_spend"]
    assert format_money(spend["amount"], "RUB", "ru", spend["period"]) in html
    for provider in usd["snapshot"]["providers"]["items"]:
        if provider["name"] not in {p["name"] for p in main["snapshot"]["providers"]["items"]}:
            assert provider["name"] not in html  # nothing of the other tenant's
    assert "USD" not in html and "$" not in html


async def test_the_tenant_comes_from_the_token_only(client: httpx.AsyncClient) -> None:
    body = {"user_id": USD_TENANT, "role": "finops"}
    forged = await client.post("/v1/reports/data", json=body, headers=_h(MAIN_TENANT))
    assert forged.status_code == 403 and "tenant" in forged.json()["error"]["message"]
    anonymous = await client.post("/v1/reports/data", json={"user_id": MAIN_TENANT, "role": "cto"})
    assert anonymous.status_code == 401
    wrong_secret = await client.post(
        "/v1/reports/data",
        json={"role": "cto"},
        headers={"Authorization": f"Bearer {app_service_token(MAIN_TENANT, secret='y' * 40)}"},
    )
    assert wrong_secret.status_code == 401 and "eyJ" not in wrong_secret.text
    for bad in ({"role": "ceo"}, {"role": "cfo", "context": {"time_range_days": 0}}, {"role": "cfo", "tenant_id": "x"}):
        r = await client.post("/v1/reports/data", json=bad, headers=_h(MAIN_TENANT))
        assert r.status_code == 422 and "Traceback" not in r.text


async def test_the_apps_text_call_works_with_the_service_token(client: httpx.AsyncClient, demo: Any) -> None:
    rec = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    r = await client.post("/v1/generate/recommendation-text", json={"recommendation_id": rec}, headers=_h(MAIN_TENANT))
    assert r.status_code == 200, r.text
    assert re.search(r"<strong>", r.json()["short_description_html"])
    foreign = await client.post(
        "/v1/generate/recommendation-text", json={"recommendation_id": rec}, headers=_h(USD_TENANT)
    )
    assert foreign.status_code == 404
