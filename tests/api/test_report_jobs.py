"""Report jobs over HTTP: started (202), followed to ready with their stage and progress, the HTML
and PDF downloaded; another tenant never sees, lists or downloads them; bad input is refused
before anything is stored; a job that fails leaves no file behind and says why; a job whose
process died is failed when next read, not left running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from infrazen_agent.config import Settings
from tests.chat.clients import query
from tests.support.asgi import in_process
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT

Headers = Callable[..., dict[str, str]]


@pytest.fixture
async def client(seeded_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(["generate_text", "tools"], seeded_settings) as c:
        yield c


def _analyst(auth: Headers, tenant: str = MAIN_TENANT, user: str = "ana") -> dict[str, str]:
    return auth(user, tenant, roles=["analyst"])


async def _until_done(c: httpx.AsyncClient, rid: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    seen = []
    for _ in range(600):
        r = await c.get(f"/v1/reports/{rid}", headers=headers)
        assert r.status_code == 200, r.text
        seen.append(r.json())
        if seen[-1]["status"] in ("ready", "failed"):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"report {rid} did not finish: {seen[-1]}")


@pytest.mark.slow
async def test_a_report_is_made_followed_and_downloaded(client: httpx.AsyncClient, auth: Headers) -> None:
    h = _analyst(auth)
    r = await client.post("/v1/reports", json={"persona": "cto", "time_range": "90d", "language": "en"}, headers=h)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["time_range"] == "90d" and job["formats"] == ["html", "pdf"]
    seen = await _until_done(client, job["id"], h)
    done = seen[-1]
    assert done["status"] == "ready", done
    assert done["progress"] == 1.0 and done["title"] == "FinOps report: CTO" and done["data_date"] == "2025-06-30"
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress)  # only forward
    html = await client.get(done["links"]["html"], headers=h)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert "Inventory by resource type" in html.text and "get_user_context@v1" in html.text
    pdf = await client.get(done["links"]["pdf"], headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"] == f'attachment; filename="{job["id"]}.pdf"'
    assert done["sizes"] == {"html": len(html.content), "pdf": len(pdf.content)}
    listed = await client.get("/v1/reports", headers=_analyst(auth, user="someone-else"))
    assert [x["id"] for x in listed.json()["reports"]] == [job["id"]]  # the tenant's, whoever made it


async def test_another_tenant_never_sees_a_report(client: httpx.AsyncClient, auth: Headers) -> None:
    mine = await client.post("/v1/reports", json={"format": "html"}, headers=_analyst(auth))
    rid = mine.json()["id"]
    await _until_done(client, rid, _analyst(auth))
    other = _analyst(auth, SMALL_TENANT, user="ana")  # same user id, another tenant
    for path in (f"/v1/reports/{rid}", f"/v1/reports/{rid}/html", f"/v1/reports/{rid}/pdf"):
        r = await client.get(path, headers=other)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path
    assert (await client.get("/v1/reports", headers=other)).json()["reports"] == []
    theirs = await client.post("/v1/reports", json={"format": "html"}, headers=other)
    await _until_done(client, theirs.json()["id"], other)
    listed = (await client.get("/v1/reports", headers=_analyst(auth))).json()["reports"]
    assert [x["id"] for x in listed] == [rid]
    their_html = (await client.get(f"/v1/reports/{theirs.json()['id']}/html", headers=other)).text
    my_html = (await client.get(f"/v1/reports/{rid}/html", headers=_analyst(auth))).text
    assert my_html != their_html
    stored = query_reports(client)
    assert {t for t, _ in stored} == {MAIN_TENANT, SMALL_TENANT}
    assert all(f["key"].startswith(f"reports/{t}/") for t, files in stored for f in files.values())


def query_reports(client: httpx.AsyncClient) -> list[tuple[str, dict[str, Any]]]:
    settings: Settings = client._transport.app.state.runtime.settings  # type: ignore[attr-defined]
    return [(r["tenant_id"], r["files"]) for r in query(settings, "SELECT tenant_id, files FROM reports")]


async def test_bad_requests_are_refused_before_anything_is_stored(client: httpx.AsyncClient, auth: Headers) -> None:
    h = _analyst(auth)
    bad: list[dict[str, Any]] = [
        {"persona": "ceo"},
        {"time_range": "0d"},
        {"time_range": "367d"},
        {"time_range": "month"},
        {"format": "docx"},
        {"language": "de"},
        {"tenant_id": SMALL_TENANT},
    ]
    for body in bad:
        r = await client.post("/v1/reports", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert "Traceback" not in r.text and r.json()["error"]["code"] == "invalid_input"
    assert (await client.post("/v1/reports", json={})).status_code == 401
    viewer = await client.post("/v1/reports", json={}, headers=auth("v", MAIN_TENANT, roles=["viewer"]))
    assert viewer.status_code == 403
    assert (await client.get("/v1/reports/rep_nosuchreport1", headers=h)).status_code == 404
    assert (await client.get("/v1/reports/../../etc/passwd", headers=h)).status_code == 404
    assert query_reports(client) == []


async def test_a_failed_job_says_why_and_leaves_no_file(seeded_settings: Settings, auth: Headers) -> None:
    async with in_process(["generate_text"], seeded_settings.model_copy(update={"report_pdf_max_pages": 1})) as c:
        h = _analyst(auth)
        job = (await c.post("/v1/reports", json={"persona": "finops"}, headers=h)).json()
        done = (await _until_done(c, job["id"], h))[-1]
        assert done["status"] == "failed" and done["error"]["code"] == "invalid_input"
        assert "REPORT_PDF_MAX_PAGES" in done["error"]["message"] and done["links"] == {}
        assert (await c.get(f"/v1/reports/{job['id']}/html", headers=h)).status_code == 404
        store = c._transport.app.state.runtime.store  # type: ignore[attr-defined]
        assert await store.keys(f"reports/{MAIN_TENANT}/", older_than_s=0) == []


async def test_a_job_whose_process_died_is_failed_on_read(client: httpx.AsyncClient, auth: Headers) -> None:
    settings: Settings = client._transport.app.state.runtime.settings  # type: ignore[attr-defined]
    query(
        settings,
        "INSERT INTO reports (id, tenant_id, user_id, persona, language, days, formats, status, stage, created_at)"
        " VALUES ('rep_orphaned00', %s, 'ana', 'cfo', 'ru', 30, ARRAY['html'], 'running', 'rendering_html',"
        " now() - interval '1 hour') RETURNING id",
        MAIN_TENANT,
    )
    r = await client.get("/v1/reports/rep_orphaned00", headers=_analyst(auth))
    assert r.json()["status"] == "failed" and r.json()["error"]["code"] == "interrupted"


async def test_a_flood_of_reports_is_limited(seeded_settings: Settings, auth: Headers) -> None:
    limited = seeded_settings.model_copy(update={"tool_rate_limits": {"*": 60, "report": 3}})
    async with in_process(["generate_text"], limited) as c:
        h = _analyst(auth)
        codes = [(await c.post("/v1/reports", json={"format": "html"}, headers=h)).status_code for _ in range(6)]
        assert codes == [202, 202, 202, 429, 429, 429]
        again = await c.post("/v1/reports", json={"format": "html"}, headers=h)
        assert again.status_code == 429 and int(again.headers["retry-after"]) > 0
        others = await c.post("/v1/reports", json={"format": "html"}, headers=_analyst(auth, user="bob"))
        assert others.status_code == 202  # per user
        for row in (await c.get("/v1/reports", headers=h)).json()["reports"]:
            await _until_done(c, row["id"], h)


async def test_a_ready_report_is_found_by_its_tenants_retrieval_only(client: httpx.AsyncClient, auth: Headers) -> None:
    from infrazen_agent.knowledge.index import background

    h = _analyst(auth)
    job = (
        await client.post("/v1/reports", json={"persona": "cto", "format": "html", "language": "en"}, headers=h)
    ).json()
    assert (await _until_done(client, job["id"], h))[-1]["status"] == "ready"
    await background(client._transport.app.state.runtime).drain()  # type: ignore[attr-defined]
    body = {"query": "optimisation opportunities and savings scenarios", "source_kind": "report", "limit": 5}
    mine = (await client.post("/v1/tools/search_knowledge", json=body, headers=h)).json()
    assert mine["ok"], mine
    found = mine["data"]["passages"]
    assert found and all(p["source_id"] == job["id"] and p["scope"] == "tenant" for p in found)
    assert found[0]["date"] == "2025-06-30"
    other = (await client.post("/v1/tools/search_knowledge", json=body, headers=_analyst(auth, SMALL_TENANT))).json()
    assert other["ok"] and other["data"]["passages"] == []
