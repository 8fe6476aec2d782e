"""The reference internal API: the OpenAPI document in the repo is the one the server serves,
the tenant comes from the service JWT only, errors are the standard JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import httpx
import pytest
import yaml
from openapi_spec_validator import validate

from infrazen_agent.auth import mint_token
from infrazen_agent.commands.data import openapi_yaml
from infrazen_agent.config import Settings
from infrazen_agent.data.internal_api import PREFIX, create_internal_api, openapi_document
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds


def committed() -> str:
    return resources.files("infrazen_agent.data").joinpath("internal_api.openapi.yaml").read_text("utf-8")


def test_the_committed_contract_is_the_served_one() -> None:
    assert committed() == openapi_yaml(openapi_document), (
        "regenerate: infrazen-agent internal-api --print-openapi > shared/infrazen_agent/data/internal_api.openapi.yaml"
    )
    doc: dict[str, Any] = yaml.safe_load(committed())
    validate(doc)
    assert doc["security"] == [{"serviceJwt": []}]
    for path, item in doc["paths"].items():
        assert path.startswith(PREFIX)
        for op in item.values():
            names = {p["name"] for p in op.get("parameters", [])}
            assert "tenant_id" not in names and "tenant" not in names  # never trusted from the caller


@pytest.fixture
async def api(seeded_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_internal_api(seeded_settings)
    runtime = app.state.runtime
    await runtime.ensure_started()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://infrazen" + PREFIX) as c:
        yield c
    await runtime.stop()


def bearer(settings: Settings, tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, user=tenant, tenant=tenant)}"}


async def test_tenant_comes_from_the_token(api: httpx.AsyncClient, seeded_settings: Settings, demo: DemoIds) -> None:
    rid = demo.resource(MAIN_TENANT, "server")
    own = await api.get(f"/resources/{rid}", headers=bearer(seeded_settings, MAIN_TENANT))
    assert own.status_code == 200 and own.json()["id"] == rid
    assert own.json()["monthly_cost"] > 0 and own.json()["currency"] == "RUB"
    other = await api.get(
        f"/resources/{rid}", params={"tenant_id": MAIN_TENANT}, headers=bearer(seeded_settings, SMALL_TENANT)
    )
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found" and other.json()["error"]["request_id"]
    listed = await api.get(
        "/recommendations",
        params={"limit": 500, "tenant_id": MAIN_TENANT},
        headers=bearer(seeded_settings, SMALL_TENANT),
    )
    own_ids = set(demo.tenant(SMALL_TENANT)["resources"]["server"]["ids"])
    assert listed.status_code == 200 and listed.json()["recommendations"]
    assert all(r["resource_id"] >= min(own_ids) for r in listed.json()["recommendations"])


async def test_auth_and_bad_input_are_clear_errors(api: httpx.AsyncClient, seeded_settings: Settings) -> None:
    assert (await api.get("/context")).status_code == 401
    wrong = Settings(_env_file=None, agent_service_jwt_secret="another-secret-0123456789abcdef-0123")  # type: ignore[call-arg]
    assert (await api.get("/context", headers=bearer(wrong, MAIN_TENANT))).status_code == 401
    headers = bearer(seeded_settings, MAIN_TENANT)
    cases = [
        ("/costs/daily", {"start": "2025-06-10", "end": "2025-06-01"}),
        ("/costs/daily", {"start": "yesterday", "end": "2025-06-01"}),
        ("/costs/daily", {"start": "2025-06-01", "end": "2025-06-02", "group_by": "tenant"}),
        ("/prices", {"ref": "no-colon"}),
        ("/recommendations", {"type": "everything"}),
        ("/resources/abc", None),
    ]
    for path, params in cases:
        resp = await api.get(path, params=params, headers=headers)
        assert resp.status_code == 422, (path, params, resp.text)
        assert resp.json()["error"]["code"] == "invalid_input" and "Traceback" not in resp.text
