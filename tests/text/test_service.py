"""Recommendation text over HTTP on the demo data: every type in both languages with numbers equal
to the tools' numbers; model prose checked number by number (scripted LLM server); the facts
version re-keys the cache; tenant isolation; inert HTML."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import psycopg
import pytest

from infrazen_agent.agent.grounding import Fact, facts_from_tool, trace
from infrazen_agent.app import create_app
from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.data.internal_api import PREFIX, create_internal_api
from infrazen_agent.text.grounding import policy_facts
from infrazen_agent.text.html import DETAILED_LIMIT, SHORT_LIMIT, visible_length
from infrazen_agent.tools import get_registry
from infrazen_agent.tools.registry import ToolContext
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, USD_TENANT, DemoIds
from tests.support.llm_server import Reply, ScriptedLLMServer
from tests.support.servers import live_server

REC_TYPES = [
    "cross_provider_server",
    "cross_provider_dbaas",
    "rightsize_cpu",
    "stopped_server",
    "old_snapshot",
    "unused_ip",
]
URL = "/v1/generate/recommendation-text"


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(["generate_text"], settings)
    await app.state.runtime.ensure_started()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
        c.runtime = app.state.runtime  # type: ignore[attr-defined]
        yield c
    await app.state.runtime.stop()


@pytest.fixture
async def text_client(seeded_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(seeded_settings):
        yield c


@pytest.fixture
async def llm_text_client(llm_settings: Callable[..., Settings], seeded_db: str) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(llm_settings(database_url=seeded_db)):
        yield c


async def tool(client: httpx.AsyncClient, tenant: str, name: str, **args: Any) -> dict[str, Any]:
    ctx = ToolContext(runtime=client.runtime, principal=Principal("t", tenant))  # type: ignore[attr-defined]
    result = await get_registry().call(name, args, ctx)
    assert result.ok, result.error
    assert result.data is not None
    return result.data


def owner_headers(auth: Callable[..., dict[str, str]], demo: DemoIds, tenant: str) -> dict[str, str]:
    return auth(demo.owner(tenant), tenant)


@pytest.mark.parametrize("rec_type", REC_TYPES)
@pytest.mark.parametrize("language", ["ru", "en"])
async def test_every_type_both_languages_numbers_come_from_tools(
    text_client: httpx.AsyncClient,
    auth: Callable[..., dict[str, str]],
    demo: DemoIds,
    rec_type: str,
    language: str,
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, rec_type)
    r = await text_client.post(
        URL,
        json={"recommendation_id": rec_id, "language": language},
        headers=owner_headers(auth, demo, MAIN_TENANT),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    rec = await tool(text_client, MAIN_TENANT, "get_recommendation", recommendation_id=rec_id)
    assert body["monthly_savings"] == rec["savings_monthly"]
    assert body["yearly_savings"]["amount"] == pytest.approx(rec["savings_monthly"]["amount"] * 12, abs=0.01)
    assert body["yearly_savings"]["period"] == "year" and body["monthly_savings"]["period"] == "month"
    assert body["savings_percent"] == pytest.approx(rec["savings_pct"], abs=0.06)
    assert (body["language"], body["generator"], body["mode"]) == (language, "deterministic", "offline")
    assert 1 <= body["effort"]["score"] <= 5 and body["risks"] and body["next_steps"]
    # Every number in every text field traces to the tools' output (the checker finds none invented).
    facts: list[Fact] = facts_from_tool("get_recommendation", rec)
    if rec.get("target"):
        skus = [{"provider": rec["target"]["provider"], "sku": rec["target"]["sku"]}]
        prices = await tool(text_client, MAIN_TENANT, "get_prices_for_skus", skus=skus)
        facts += facts_from_tool("get_prices_for_skus", prices)
    effort_data = await tool(text_client, MAIN_TENANT, "estimate_migration_effort", recommendation_id=rec_id)
    facts += facts_from_tool("estimate_migration_effort", effort_data)
    with contextlib.suppress(AssertionError):  # no snapshot for this resource type
        snap = await tool(text_client, MAIN_TENANT, "get_latest_snapshot", resource_id=rec["resource"]["id"])
        facts += facts_from_tool("get_latest_snapshot", snap)
    facts += policy_facts()  # the advice's own figures ("watch for 7 days")
    spec = rec["resource"]["spec"]
    if rec_type.startswith("cross_provider") and spec.get("disk_gb"):  # data to move: disk × nodes
        facts.append(Fact(spec["disk_gb"] * (spec.get("nodes") or 1), "size", "risk.data_migration", "GB"))
    if rec_type == "rightsize_cpu":  # the projected p95 is computed: current p95 × vCPU before / after
        before = rec["resource"]["spec"]["vcpu"]
        after = prices["prices"][0]["spec"]["vcpu"]
        projected = round(min(100.0, snap["cpu_p95_pct"] * before / after), 1)
        facts.append(Fact(projected, "percent", "target.cpu_p95_projected", "%"))
    for field in ("title", "summary", "details", "how_calculated", "text"):
        grounding = trace(body[field], facts)
        assert grounding.ok, (field, [n.claim.text for n in grounding.untraced], body[field])
    # The effort block speaks the reader's language too (the tool's own words are English).
    effort = body["effort"]
    assert effort["factors"] and trace("\n".join(effort["factors"]), facts).ok
    if language == "ru":
        assert effort["label"] in ("очень низкая", "низкая", "средняя", "высокая", "очень высокая")
        assert all(re.match(r"[а-яё]", f) for f in effort["factors"]), effort["factors"]
    else:
        assert effort["label"] in ("very low", "low", "medium", "high", "very high")
        assert all(re.match(r"[a-z]", f) for f in effort["factors"]), effort["factors"]
    for field, limit in (
        ("short_description_html", SHORT_LIMIT),
        ("detailed_description_html", DETAILED_LIMIT),
    ):
        assert visible_length(body[field]) <= limit
        assert "<strong>" in body[field]


async def test_savings_equal_current_minus_catalog_price(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "cross_provider_dbaas")
    body = (
        await text_client.post(URL, json={"recommendation_id": rec_id}, headers=owner_headers(auth, demo, MAIN_TENANT))
    ).json()
    rec = await tool(text_client, MAIN_TENANT, "get_recommendation", recommendation_id=rec_id)
    price = await tool(
        text_client,
        MAIN_TENANT,
        "get_prices_for_skus",
        skus=[{"provider": rec["target"]["provider"], "sku": rec["target"]["sku"]}],
    )
    target = price["prices"][0]["monthly_price"]["amount"] * rec["target"]["quantity"]
    assert body["monthly_savings"]["amount"] == pytest.approx(rec["current_monthly"]["amount"] - target, abs=0.01)
    assert body["language"] == "ru"  # the demo owner's language is the default


async def test_resource_path_picks_best_candidate(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds
) -> None:
    rec = await tool(
        text_client,
        MAIN_TENANT,
        "get_recommendation",
        recommendation_id=demo.recommendation(MAIN_TENANT, "cross_provider_server"),
    )
    res_id = rec["resource"]["id"]
    alts = await tool(text_client, MAIN_TENANT, "list_top_alternatives", resource_id=res_id)
    second = [a for a in alts["alternatives"] if a["delta"]["amount"] < 0][-1]  # a cheaper one, not the best
    headers = owner_headers(auth, demo, MAIN_TENANT)
    r = await text_client.post(URL, json={"resource_id": res_id, "language": "en"}, headers=headers)
    assert r.status_code == 200, r.text
    best = alts["alternatives"][0]
    assert r.json()["monthly_savings"]["amount"] == pytest.approx(-best["delta"]["amount"], abs=0.01)
    r2 = await text_client.post(
        URL,
        json={
            "resource_id": res_id,
            "candidate_skus": [second["sku"]],
            "target_provider": second["provider"],
        },
        headers=headers,
    )
    assert r2.status_code == 200, r2.text
    assert r2.json()["monthly_savings"]["amount"] == pytest.approx(-second["delta"]["amount"], abs=0.01)
    r3 = await text_client.post(URL, json={"resource_id": res_id, "candidate_skus": ["no-such-sku"]}, headers=headers)
    assert r3.status_code == 404


async def test_cache_hit_and_price_change_rekeys(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds, seeded_db: str
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    headers = owner_headers(auth, demo, MAIN_TENANT)
    first = (await text_client.post(URL, json={"recommendation_id": rec_id}, headers=headers)).json()
    second = (await text_client.post(URL, json={"recommendation_id": rec_id}, headers=headers)).json()
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["facts_version"] == first["facts_version"] and second["text"] == first["text"]
    rec = await tool(text_client, MAIN_TENANT, "get_recommendation", recommendation_id=rec_id)
    with psycopg.connect(seeded_db, autocommit=True) as conn:
        conn.execute(
            "UPDATE price_catalog SET monthly_price = monthly_price + 1 WHERE provider = %s AND sku = %s",
            (rec["target"]["provider"], rec["target"]["sku"]),
        )
    third = (await text_client.post(URL, json={"recommendation_id": rec_id}, headers=headers)).json()
    assert third["cached"] is False and third["facts_version"] != first["facts_version"]
    with psycopg.connect(seeded_db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO utilization_snapshots (tenant_id, resource_id, taken_at, window_days, status,"
            " cpu_avg_pct, cpu_p95_pct, ram_avg_pct, ram_p95_pct) VALUES (%s, %s, now(), 30, 'running',"
            " 5, 9, 20, 30)",
            (MAIN_TENANT, rec["resource"]["id"]),
        )
    fourth = (await text_client.post(URL, json={"recommendation_id": rec_id}, headers=headers)).json()
    assert fourth["cached"] is False and fourth["facts_version"] != third["facts_version"]


async def test_other_tenants_ids_are_404_like_missing_ones(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds
) -> None:
    foreign_rec = demo.recommendation(MAIN_TENANT, "unused_ip")
    foreign_res = demo.resource(MAIN_TENANT, "server")
    headers = owner_headers(auth, demo, SMALL_TENANT)
    answers = [
        await text_client.post(URL, json={"recommendation_id": foreign_rec}, headers=headers),
        await text_client.post(URL, json={"recommendation_id": 987654321}, headers=headers),
        await text_client.post(URL, json={"resource_id": foreign_res}, headers=headers),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]

    def shape(r: httpx.Response) -> str:
        return re.sub(r"\d+", "N", r.json()["error"]["message"])

    assert shape(answers[0]) == shape(answers[1])  # same answer as a missing id: nothing to probe
    assert MAIN_TENANT not in json.dumps([a.json() for a in answers])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"recommendation_id": 1, "resource_id": 2},
        {"recommendation_id": 0},
        {"recommendation_id": "x"},
        {"recommendation_id": 1, "target_provider": "yandex"},
        {"recommendation_id": 1, "tenant_id": "2002"},
        {"recommendation_id": 1, "language": "de"},
    ],
)
async def test_bad_bodies_are_422(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], body: dict[str, Any]
) -> None:
    r = await text_client.post(URL, json=body, headers=auth("u", MAIN_TENANT))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"


async def test_xss_in_resource_name_comes_out_inert(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds, seeded_db: str
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    rec = await tool(text_client, MAIN_TENANT, "get_recommendation", recommendation_id=rec_id)
    evil = '<img src=x onerror=alert(1)><script>alert(2)</script>"'
    with psycopg.connect(seeded_db, autocommit=True) as conn:
        conn.execute("UPDATE resources SET name = %s, updated_at = now() WHERE id = %s", (evil, rec["resource"]["id"]))
    for lang in ("ru", "en"):
        body = (
            await text_client.post(
                URL,
                json={"recommendation_id": rec_id, "language": lang},
                headers=owner_headers(auth, demo, MAIN_TENANT),
            )
        ).json()
        for field in ("short_description_html", "detailed_description_html"):
            html = body[field]
            assert "<img" not in html and "<script" not in html and "onerror=alert" not in html.replace("&", "")
            tags = {t.split(">")[0].split(" ")[0] for t in html.split("<")[1:]}
            assert tags <= {"strong", "/strong", "span", "/span"}, tags


async def test_usd_tenant_speaks_dollars(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds
) -> None:
    recs = demo.tenant(USD_TENANT)["recommendations"]
    rec_type = next(t for t in REC_TYPES if recs.get(t, {}).get("ids"))
    r = await text_client.post(
        URL,
        json={"recommendation_id": recs[rec_type]["ids"][0], "language": "en"},
        headers=owner_headers(auth, demo, USD_TENANT),
    )
    assert r.status_code == 200, r.text
    assert r.json()["monthly_savings"]["currency"] == "USD" and "$" in r.json()["title"]


def _prose(**fields: str) -> Reply:
    return Reply(text=json.dumps(fields, ensure_ascii=False))


async def test_model_prose_is_used_when_every_number_checks_out(
    llm_text_client: httpx.AsyncClient,
    llm_server: ScriptedLLMServer,
    auth: Callable[..., dict[str, str]],
    demo: DemoIds,
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "stopped_server")
    rec = await tool(llm_text_client, MAIN_TENANT, "get_recommendation", recommendation_id=rec_id)
    saving = rec["savings_monthly"]["amount"]
    llm_server.script(
        _prose(
            title=f"Save {saving:.2f} RUB/month on {rec['resource']['name']}",
            summary="The stopped server's disk is still billed.",
            details="Snapshot first, then delete.",
            text=f"**Save {saving:.2f} RUB/month**",
        )
    )
    r = await llm_text_client.post(
        URL,
        json={"recommendation_id": rec_id, "language": "en"},
        headers=owner_headers(auth, demo, MAIN_TENANT),
    )
    body = r.json()
    assert (body["generator"], body["mode"], body["model"]) == ("llm", "online", "openai/scripted-text")
    assert body["title"].startswith("Save") and body["grounding"]["ok"] is True
    # Tokens, cost and latency of the model call ride along; the scripted model has no price, so
    # its tokens are booked at the default price and flagged.
    usage = body["usage"]
    assert (usage["model_calls"], usage["prompt_tokens"], usage["completion_tokens"]) == (1, 10, 5)
    assert usage["estimated"] is True and usage["cost_sources"] == ["estimated"]
    assert usage["cost_usd"] == pytest.approx((10 * 3.0 + 5 * 15.0) / 1_000_000) and usage["latency_ms"] > 0
    assert body["monthly_savings"]["amount"] == saving  # structured numbers always from facts
    sent = json.dumps(llm_server.requests[0]["messages"], ensure_ascii=False)
    assert "FACTS" in sent and str(saving) in sent


async def test_invented_number_is_retried_then_replaced_by_deterministic_text(
    llm_text_client: httpx.AsyncClient,
    llm_server: ScriptedLLMServer,
    auth: Callable[..., dict[str, str]],
    demo: DemoIds,
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "old_snapshot")
    invented = _prose(title="Save 99 999 RUB/month", summary="Trust me.", details="Now.", text="99 999 RUB/month")
    llm_server.script(invented, invented)
    r = await llm_text_client.post(
        URL,
        json={"recommendation_id": rec_id, "language": "en"},
        headers=owner_headers(auth, demo, MAIN_TENANT),
    )
    body = r.json()
    assert body["generator"] == "deterministic" and body["mode"] == "online"
    assert "99 999" not in body["text"] and "99,999" not in body["text"]
    assert len(llm_server.requests) == 2
    assert body["usage"]["model_calls"] == 2 and body["usage"]["prompt_tokens"] == 20  # both calls cost
    retry_note = llm_server.requests[1]["messages"][-1]["content"]
    assert "99 999" in retry_note and "not in FACTS" in retry_note


async def test_invented_number_then_good_retry_is_accepted(
    llm_text_client: httpx.AsyncClient,
    llm_server: ScriptedLLMServer,
    auth: Callable[..., dict[str, str]],
    demo: DemoIds,
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "unused_ip")
    llm_server.script(
        _prose(title="Save 12 345 RUB", summary="x", details="y", text="z"),
        _prose(title="Release the address", summary="Unused.", details="Check DNS.", text="Done."),
    )
    body = (
        await llm_text_client.post(
            URL, json={"recommendation_id": rec_id}, headers=owner_headers(auth, demo, MAIN_TENANT)
        )
    ).json()
    assert body["generator"] == "llm" and body["title"] == "Release the address"


async def test_model_outage_falls_back_and_is_not_cached(
    llm_text_client: httpx.AsyncClient,
    llm_server: ScriptedLLMServer,
    auth: Callable[..., dict[str, str]],
    demo: DemoIds,
) -> None:
    rec_id = demo.recommendation(MAIN_TENANT, "rightsize_cpu")
    llm_server.script(*[Reply(status=500) for _ in range(12)])
    headers = owner_headers(auth, demo, MAIN_TENANT)
    body = (await llm_text_client.post(URL, json={"recommendation_id": rec_id}, headers=headers)).json()
    assert body["generator"] == "deterministic" and body["cached"] is False and body["usage"] is None
    llm_server.reset()
    again = (
        await llm_text_client.post(URL, json={"recommendation_id": rec_id, "mode": "deterministic"}, headers=headers)
    ).json()
    assert again["generator"] == "deterministic" and again["mode"] == "offline"


async def test_resource_without_a_cheaper_equivalent_never_shows_negative_savings(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds
) -> None:
    headers = owner_headers(auth, demo, MAIN_TENANT)
    outcomes = []
    for res_id in demo.tenant(MAIN_TENANT)["resources"]["server"]["ids"]:
        alts = await tool(text_client, MAIN_TENANT, "list_top_alternatives", resource_id=res_id)
        r = await text_client.post(URL, json={"resource_id": res_id}, headers=headers)
        cheaper = [a for a in alts["alternatives"] if a["delta"]["amount"] < 0]
        if cheaper:
            assert r.status_code == 200 and r.json()["monthly_savings"]["amount"] > 0
        else:
            assert r.status_code == 404 and "cheaper" in r.json()["error"]["message"]
        outcomes.append(bool(cheaper))
    assert outcomes  # the demo has servers to check


async def test_every_fact_tool_call_is_audited_before_the_answer_per_tenant(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds, seeded_db: str
) -> None:
    main_rec = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    usd_recs = demo.tenant(USD_TENANT)["recommendations"]
    usd_rec = next(usd_recs[t]["ids"][0] for t in REC_TYPES if usd_recs.get(t, {}).get("ids"))

    async def post(tenant: str, rec_id: int, request_id: str) -> None:
        headers = {**owner_headers(auth, demo, tenant), "X-Request-Id": request_id}
        r = await text_client.post(URL, json={"recommendation_id": rec_id, "mode": "deterministic"}, headers=headers)
        assert r.status_code == 200, r.text

    # Two tenants at once; the rows are read as soon as the answers are in.
    await asyncio.gather(post(MAIN_TENANT, main_rec, "req-text-main"), post(USD_TENANT, usd_rec, "req-text-usd"))
    with psycopg.connect(seeded_db) as conn:
        rows = conn.execute(
            "SELECT request_id, tenant_id, user_id, tool, outcome, arguments FROM tool_calls ORDER BY id"
        ).fetchall()
    for request_id, tenant, rec_id in (("req-text-main", MAIN_TENANT, main_rec), ("req-text-usd", USD_TENANT, usd_rec)):
        mine = [r for r in rows if r[0] == request_id]
        assert {(r[1], r[2]) for r in mine} == {(tenant, demo.owner(tenant))}  # the token's tenant, no other
        rec = await tool(text_client, tenant, "get_recommendation", recommendation_id=rec_id)
        expected = ["estimate_migration_effort", "get_latest_snapshot", "get_recommendation"]
        expected += ["get_prices_for_skus"] if rec["target"] else []
        assert sorted(r[3] for r in mine) == sorted(expected)  # one row per call
        assert all(r[4] == "ok" or r[3] == "get_latest_snapshot" for r in mine)
        assert next(r[5] for r in mine if r[3] == "get_recommendation") == {"recommendation_id": rec_id}
    cached = await text_client.post(
        URL,
        json={"recommendation_id": main_rec, "mode": "deterministic"},
        headers={**owner_headers(auth, demo, MAIN_TENANT), "X-Request-Id": "req-text-hit"},
    )
    assert cached.json()["cached"] is True
    with psycopg.connect(seeded_db) as conn:
        hit_rows = conn.execute("SELECT count(*) FROM tool_calls WHERE request_id = 'req-text-hit'").fetchone()
    assert hit_rows == (0,)  # a cache hit calls no tool


async def test_the_answer_waits_until_its_audit_rows_are_written(
    text_client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], demo: DemoIds, seeded_db: str
) -> None:
    """The rows are written while the text is rendered, but the answer leaves only once they are in:
    with inserts into the audit table held back for a moment, the answer waits for them."""
    rec_id = demo.recommendation(MAIN_TENANT, "unused_ip")
    headers = {**owner_headers(auth, demo, MAIN_TENANT), "X-Request-Id": "req-text-held"}
    with psycopg.connect(seeded_db) as locker:
        locker.execute("LOCK TABLE tool_calls IN EXCLUSIVE MODE")  # reads go on; inserts wait
        release = threading.Timer(0.5, locker.commit)
        release.start()
        try:
            r = await text_client.post(URL, json={"recommendation_id": rec_id}, headers=headers)
            with psycopg.connect(seeded_db) as conn:  # read before the lock is surely gone
                written = conn.execute("SELECT count(*) FROM tool_calls WHERE request_id = 'req-text-held'").fetchone()
        finally:
            release.join()
    assert r.status_code == 200, r.text
    assert written == (3,)  # recommendation, snapshot, effort (an unused IP has no target price)


async def test_over_the_internal_api_the_same_text_comes_from_two_audited_rounds(
    seeded_settings: Settings,
    make_settings: Callable[..., Settings],
    seeded_db: str,
    auth: Callable[..., dict[str, str]],
    demo: DemoIds,
) -> None:
    """Without the SQL stamp (HTTP source) the recommendation is read first, then the rest in one
    round; the language comes from the user's context. Same numbers as over SQL, every call audited."""
    rec_id = demo.recommendation(MAIN_TENANT, "cross_provider_dbaas")
    headers = {**owner_headers(auth, demo, MAIN_TENANT), "X-Request-Id": "req-text-http"}
    with live_server(create_internal_api(seeded_settings)) as server:
        http_settings = make_settings(database_url=seeded_db, agent_internal_api_base=server.url + PREFIX)
        async for c in _client(http_settings):
            over_http = await c.post(URL, json={"recommendation_id": rec_id}, headers=headers)
    async for c in _client(seeded_settings):
        over_sql = await c.post(URL, json={"recommendation_id": rec_id}, headers=owner_headers(auth, demo, MAIN_TENANT))
    assert over_http.status_code == 200, over_http.text
    a, b = over_http.json(), over_sql.json()
    assert (a["language"], a["monthly_savings"], a["effort"], a["text"]) == (
        b["language"],
        b["monthly_savings"],
        b["effort"],
        b["text"],
    )
    with psycopg.connect(seeded_db) as conn:
        rows = conn.execute(
            "SELECT tool, tenant_id, outcome FROM tool_calls WHERE request_id = 'req-text-http' ORDER BY id"
        ).fetchall()
    assert [r[0] for r in rows[:2]] == ["get_user_context", "get_recommendation"]
    assert sorted(r[0] for r in rows[2:]) == [
        "estimate_migration_effort",
        "get_latest_snapshot",
        "get_prices_for_skus",
    ]
    assert {(r[1], r[2]) for r in rows} == {(MAIN_TENANT, "ok")}
