"""`POST /v1/imports/focus` and `GET /v1/imports/{id}` over the upload function (with the tools
beside it): admin only, the tenant from the token, a job with progress and its report, a garbage
file refused at once with a clear JSON error, an object-store key under the tenant's prefix only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from infrazen_agent.runtime import Runtime
from tests.imports.conftest import SAMPLE

Auth = Callable[..., dict[str, str]]
TENANT = "acme"


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    app = create_app(["upload", "tools"], settings)
    runtime: Runtime = app.state.runtime
    await runtime.ensure_started()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://agent", timeout=60) as c:
            yield c, runtime
    finally:
        await runtime.stop()


def _file(data: bytes, name: str = "bill.csv") -> dict[str, Any]:
    return {"file": (name, data, "text/csv")}


async def _wait(client: httpx.AsyncClient, headers: dict[str, str], import_id: str) -> dict[str, Any]:
    for _ in range(600):
        resp = await client.get(f"/v1/imports/{import_id}", headers=headers)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        if body["status"] not in ("queued", "running"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def test_admin_imports_an_upload_and_reads_its_report(api: tuple[httpx.AsyncClient, Runtime], auth: Auth) -> None:
    client, _ = api
    admin = auth("boss", TENANT, roles=["admin"])
    resp = await client.post(
        "/v1/imports/focus", headers=admin, files=_file(SAMPLE.read_bytes()), data={"cost_column": "BilledCost"}
    )
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert job["id"].startswith("imp_") and job["status"] == "queued" and job["cost_column"] == "BilledCost"
    done = await _wait(client, admin, job["id"])
    assert done["status"] == "imported" and done["progress"] == 1.0 and done["rows_read"] == 1000
    assert done["report"]["focus_version"] == "1.0" and done["report"]["rows_imported"] == 1000
    # the tools read it for the token's tenant
    tools = await client.post(
        "/v1/tools/get_provider_breakdown",
        headers=auth("viewer", TENANT),
        json={"start": "2024-09-01", "end": "2024-09-30"},
    )
    assert tools.status_code == 200 and {i["key"] for i in tools.json()["data"]["items"]} == {
        "aws",
        "microsoft",
        "oracle",
    }
    # another tenant's admin: the same 404 as an unknown id
    other = await client.get(f"/v1/imports/{job['id']}", headers=auth("x", "other", roles=["admin"]))
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"


async def test_roles_and_bad_input(api: tuple[httpx.AsyncClient, Runtime], auth: Auth) -> None:
    client, _ = api
    data = _file(SAMPLE.read_bytes())
    assert (await client.post("/v1/imports/focus", files=data)).status_code == 401
    for roles in (["viewer"], ["analyst"]):
        resp = await client.post("/v1/imports/focus", headers=auth("u", TENANT, roles=roles), files=data)
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
    assert (await client.get("/v1/imports/imp_abcdefghijkl", headers=auth("u", TENANT))).status_code == 403
    demo = await client.post("/v1/imports/focus", headers=auth("d", TENANT, roles=["admin"], demo=True), files=data)
    assert demo.status_code == 403

    admin = auth("boss", TENANT, roles=["admin"])
    for garbage in (bytes(range(256)) * 20, b"\x1f\x8b\x08\x00garbage", b"", b"PAR1 not really parquet"):
        resp = await client.post("/v1/imports/focus", headers=admin, files=_file(garbage))
        assert resp.status_code == 422, resp.text
        error = resp.json()["error"]
        assert error["code"] == "invalid_input" and error["message"] and "Traceback" not in resp.text
    resp = await client.post("/v1/imports/focus", headers={**admin, "Content-Type": "text/csv"}, content=b"a,b\n1,2\n")
    assert resp.status_code == 415 and resp.json()["error"]["code"] == "unsupported_media_type"
    resp = await client.post("/v1/imports/focus", headers=admin, files=data, data={"cost_column": "Cheapest"})
    assert resp.status_code == 422 and "cost_column" in resp.json()["error"]["message"]
    resp = await client.post("/v1/imports/focus", headers=admin, data={"cost_column": "BilledCost"})
    assert resp.status_code in (415, 422)
    unknown = await client.get("/v1/imports/imp_abcdefghijkl", headers=admin)
    assert unknown.status_code == 404


async def test_an_object_store_key_under_the_tenants_prefix(api: tuple[httpx.AsyncClient, Runtime], auth: Auth) -> None:
    client, runtime = api
    admin = auth("boss", TENANT, roles=["admin"])
    await runtime.store.put(f"imports/{TENANT}/2024-09/focus.csv", SAMPLE.read_bytes(), "text/csv")
    resp = await client.post(
        "/v1/imports/focus", headers=admin, json={"object_key": f"imports/{TENANT}/2024-09/focus.csv"}
    )
    assert resp.status_code == 202, resp.text
    done = await _wait(client, admin, resp.json()["id"])
    assert done["status"] == "imported" and done["source"] == "focus.csv"
    for key in ("imports/other/focus.csv", f"imports/{TENANT}/../other/focus.csv", "reports/acme/x.csv"):
        resp = await client.post("/v1/imports/focus", headers=admin, json={"object_key": key})
        assert resp.status_code == 422 and resp.json()["error"]["code"] == "invalid_input", key
    missing = await client.post("/v1/imports/focus", headers=admin, json={"object_key": f"imports/{TENANT}/nope.csv"})
    assert missing.status_code == 202
    failed = await _wait(client, admin, missing.json()["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "not_found"
    bad = await client.post("/v1/imports/focus", headers=admin, json={"object_key": 5})
    assert bad.status_code == 422


async def test_progress_is_in_the_job_status(
    api: tuple[httpx.AsyncClient, Runtime], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a file is read the job row says how far (rows read, share of the file), then that it
    is writing; the numbers only grow."""
    import psycopg

    from infrazen_agent.auth import Principal
    from infrazen_agent.imports import jobs
    from infrazen_agent.imports.generate import write_focus
    from infrazen_agent.imports.load import ImportOptions

    _, runtime = api
    monkeypatch.setattr(jobs, "PROGRESS_EVERY_S", 0.0)
    made = write_focus(tmp_path / "big.csv", 45_000, tenants=("2002",), hourly=True)
    principal = Principal(user_id="boss", tenant_id=TENANT, roles=("admin",))
    job = await jobs.create_job(runtime, principal, "big.csv", ImportOptions())
    seen: list[tuple[str, float, int]] = []

    async def look(share: float, rows: int) -> None:
        with psycopg.connect(runtime.database_url) as conn:
            row = conn.execute(
                "SELECT stage, progress, rows_read FROM focus_imports WHERE id = %s", (job["id"],)
            ).fetchone()
        assert row is not None
        seen.append((row[0], float(row[1]), int(row[2])))

    done = await jobs.run_job(runtime, principal, job["id"], made.path, "big.csv", ImportOptions(), look)
    assert done["status"] == "imported" and done["rows_read"] == made.rows
    reading = [s for s in seen if s[0] == "reading" and s[2] > 0]
    assert len(reading) >= 2 and all(0 < p < 0.9 for _, p, _ in reading)
    assert [p for _, p, _ in seen] == sorted(p for _, p, _ in seen)
    assert [r for _, _, r in seen] == sorted(r for _, _, r in seen)
