"""Two tenants: a tenant's indexed documents never come back for another tenant, whichever way
the search is asked (the tool, the CLI's function, POST /v1/tools/search_knowledge), while both
read the global base; a token minted for one recommendation's chat reads only that
recommendation's texts of its tenant; the tenant is never an argument."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from infrazen_agent.commands.knowledge import search_as
from infrazen_agent.config import Settings
from infrazen_agent.knowledge.index import index_document, recommendation_source_id
from infrazen_agent.runtime import Runtime
from infrazen_agent.tools import ToolContext, get_registry

from .conftest import viewer

A, B = "tenant-a", "tenant-b"
SECRET_WORD = "Квазиэгресс"  # a word only tenant A's report has
QUESTION = f"Что сказано про {SECRET_WORD} и исходящий трафик Selectel?"


async def _index_both(runtime: Runtime) -> None:
    await index_document(
        runtime,
        A,
        "report",
        "report/a-1",
        "Отчёт FinOps для A",
        f"## Трафик {{#traffic}}\n\nУ A {SECRET_WORD}: исходящий трафик Selectel вырос, проверьте egress и CDN.",
        "ru",
        date(2026, 11, 30),
    )
    await index_document(
        runtime,
        B,
        "report",
        "report/b-1",
        "Отчёт FinOps для B",
        "## Трафик {#traffic}\n\nУ B исходящий трафик Selectel стабилен.",
        "ru",
        date(2026, 11, 30),
    )


def _sources(passages: list[dict[str, Any]]) -> set[str]:
    return {p["source_id"] for p in passages}


def _assert_isolated(mine: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    assert "report/a-1" in _sources(mine) and "report/b-1" not in _sources(mine)
    assert "report/a-1" not in _sources(theirs)
    assert all(SECRET_WORD not in p["snippet"] for p in theirs)
    assert any(p["scope"] == "global" for p in theirs)  # the curated base is everyone's


async def test_via_the_tool(indexed: Runtime) -> None:
    await _index_both(indexed)
    registry = get_registry()
    results = {}
    for tenant in (A, B):
        ctx = ToolContext(runtime=indexed, principal=viewer(tenant))
        result = await registry.call("search_knowledge", {"query": QUESTION, "limit": 10}, ctx)
        assert result.ok, result.error
        assert result.data is not None
        results[tenant] = result.data["passages"]
    _assert_isolated(results[A], results[B])
    # the tenant is never an argument
    smuggled = await registry.call(
        "search_knowledge", {"query": QUESTION, "tenant_id": A}, ToolContext(runtime=indexed, principal=viewer(B))
    )
    assert not smuggled.ok and smuggled.error is not None and smuggled.error["code"] == "invalid_input"


async def test_via_the_cli_function(settings: Settings, runtime: Runtime) -> None:
    await _index_both(runtime)
    mine = await search_as(settings, A, QUESTION, limit=10)
    theirs = await search_as(settings, B, QUESTION, limit=10)
    _assert_isolated(mine["passages"], theirs["passages"])


async def test_via_the_http_tool_api(
    client: httpx.AsyncClient, settings: Settings, auth: Callable[..., dict[str, str]]
) -> None:
    runtime = await Runtime(settings).ensure_started()
    try:
        await _index_both(runtime)
    finally:
        await runtime.stop()
    found = {}
    for tenant in (A, B):
        r = await client.post(
            "/v1/tools/search_knowledge", json={"query": QUESTION, "limit": 10}, headers=auth(f"u-{tenant}", tenant)
        )
        assert r.status_code == 200, r.text
        found[tenant] = r.json()["data"]["passages"]
    _assert_isolated(found[A], found[B])
    refused = await client.post(
        "/v1/tools/search_knowledge", json={"query": QUESTION, "tenant_id": A}, headers=auth("u-b", B)
    )
    assert refused.status_code == 422


async def test_a_recommendation_chat_token_reads_only_its_recommendations_texts(indexed: Runtime) -> None:
    for rec in ("41", "42"):
        await index_document(
            indexed,
            A,
            "recommendation_text",
            recommendation_source_id(rec, None, "ru"),
            f"Рекомендация {rec}",
            f"Перенос сервера на Selectel, {SECRET_WORD} номер {rec}.",
            "ru",
            None,
        )
    legacy = viewer(A, scenario="recommendation", recommendation_id="42", legacy=True)
    ctx = ToolContext(runtime=indexed, principal=legacy)
    result = await get_registry().call("search_knowledge", {"query": SECRET_WORD, "limit": 10}, ctx)
    assert result.ok and result.data is not None
    sources = _sources(result.data["passages"])
    assert "recommendation/42/ru" in sources and "recommendation/41/ru" not in sources
    everyone = ToolContext(runtime=indexed, principal=viewer(A))
    wide = await get_registry().call("search_knowledge", {"query": SECRET_WORD, "limit": 10}, everyone)
    assert wide.data is not None and {"recommendation/41/ru", "recommendation/42/ru"} <= _sources(wide.data["passages"])
