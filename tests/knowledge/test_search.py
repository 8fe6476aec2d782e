"""The hybrid query on real Postgres + pgvector: reciprocal rank fusion of the full-text and the
vector rankings, the question's language preferred, filters, users' punctuation, the full-text
mode without embeddings and the HNSW path for large candidate sets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from infrazen_agent.config import Settings
from infrazen_agent.knowledge import search as search_module
from infrazen_agent.knowledge.index import index_document
from infrazen_agent.knowledge.search import LANGUAGE_WEIGHT, RRF_K, preferred_language, query_words, search
from infrazen_agent.runtime import Runtime

from .conftest import viewer

TENANT = "1001"


async def test_hybrid_score_is_the_reciprocal_rank_fusion_of_both_rankings(indexed: Runtime) -> None:
    q = "What does EffectiveCost mean in FOCUS?"
    p = viewer(TENANT)
    # language "xx": no passage is weighted, so each arm's order is its own ranking
    fts = await search(indexed, p, q, limit=10, mode="full_text", language="xx")
    vec = await search(indexed, p, q, limit=10, mode="vector", language="xx")
    both = await search(indexed, p, q, limit=10, language="xx")
    assert (fts.mode, vec.mode, both.mode) == ("full_text", "vector", "hybrid")
    fts_rank = {x.passage_id: i + 1 for i, x in enumerate(fts.passages)}
    vec_rank = {x.passage_id: i + 1 for i, x in enumerate(vec.passages)}
    checked = 0
    for passage in both.passages:
        if passage.passage_id in fts_rank and passage.passage_id in vec_rank:
            fused = 1000 * (1 / (RRF_K + fts_rank[passage.passage_id]) + 1 / (RRF_K + vec_rank[passage.passage_id]))
            assert passage.score == pytest.approx(fused, abs=0.002)
            checked += 1
    assert checked >= 3
    # found by both rankings beats first place in only one
    assert both.passages[0].passage_id == "focus-en#cost-columns" == fts.passages[0].passage_id
    assert both.passages[0].score > 1000 / (RRF_K + 1)


async def test_the_questions_language_is_preferred(indexed: Runtime) -> None:
    p = viewer(TENANT)
    en = await search(indexed, p, "What does EffectiveCost mean in FOCUS?")
    ru = await search(indexed, p, "Что означает EffectiveCost в FOCUS?")
    assert en.passages[0].passage_id == "focus-en#cost-columns"
    assert ru.passages[0].passage_id == "focus-ru#cost-columns"
    assert en.passages[0].score == pytest.approx(ru.passages[0].score, rel=0.35)  # both weighted by their language
    mixed = await search(indexed, p, "Сколько стоит control plane в Cloud Containers VK Cloud?")
    assert mixed.passages[0].passage_id == "vk-cloud-ru#managed-kubernetes"
    assert preferred_language("Сколько стоит control plane?") == "ru" and preferred_language("control plane") == "en"
    assert LANGUAGE_WEIGHT > 1


@pytest.mark.parametrize(
    "query",
    [
        '"EffectiveCost" -BilledCost & | ! ( ) :* <-> ',
        "'; DROP TABLE knowledge_chunks; --",
        "ChargePeriodStart/ChargePeriodEnd??? (inclusive?)",
        "НДС 22 %... а раньше — 20 %?!",
    ],
)
async def test_users_punctuation_never_breaks_the_query(indexed: Runtime, query: str) -> None:
    out = await search(indexed, viewer(TENANT), query)
    assert out.passages  # every one of them names something the base covers


@pytest.mark.parametrize("query", ["???", "!!! ...", "🙂🙂", "   "])
async def test_a_question_without_words_finds_nothing(indexed: Runtime, query: str) -> None:
    assert (await search(indexed, viewer(TENANT), query)).passages == []


def test_query_words_drop_punctuation() -> None:
    assert query_words("Какие подводные камни, а?") == "какие подводные камни а"
    assert query_words("A-B: c & !d") == "a b c d"


async def test_source_kind_and_limit_filter(indexed: Runtime) -> None:
    await index_document(
        indexed,
        TENANT,
        "report",
        "report/r1",
        "FinOps report",
        "## Egress {#egress}\n\nOur outgoing traffic egress per GB grew at Selectel this quarter.",
        "en",
        date(2026, 11, 30),
    )
    p = viewer(TENANT)
    reports = await search(indexed, p, "egress traffic per GB", source_kind="report")
    assert [x.passage_id for x in reports.passages] == ["report/r1#egress"]
    assert reports.passages[0].scope == "tenant" and reports.passages[0].date == date(2026, 11, 30)
    guides = await search(indexed, p, "egress traffic per GB", source_kind="guide", limit=10)
    assert guides.passages and all(x.source_kind == "guide" and x.scope == "global" for x in guides.passages)
    assert len(guides.passages) == 10
    assert len((await search(indexed, p, "egress traffic per GB", limit=50)).passages) == 10  # capped


async def test_long_passages_are_cut_to_the_best_window(indexed: Runtime) -> None:
    out = await search(indexed, viewer(TENANT), "Hotbox Icebox lifecycle rules", limit=1)
    snippet = out.passages[0].snippet
    assert len(snippet) <= search_module.SNIPPET_CHARS + 4
    assert "Hotbox" in snippet or "lifecycle" in snippet


async def test_without_embeddings_retrieval_is_full_text_only(make_settings: Callable[..., Settings]) -> None:
    runtime = await Runtime(make_settings(embedding_model="none")).ensure_started()
    try:
        out = await search(runtime, viewer(TENANT), "Какие подводные камни при переезде в Selectel?")
        assert out.mode == "full_text" and out.passages[0].passage_id == "selectel-ru#migration"
    finally:
        await runtime.stop()


async def _vector_plan(runtime: Runtime, planned: search_module.Planned, *, no_sort: bool = False) -> str:
    """The vector ranking's plan; `no_sort`: as the planner sees a table far larger than this
    test's (sorting every candidate is then the expensive way)."""
    statement = planned.rankings["vector"]
    async with runtime.pool.connection() as conn, conn.transaction():
        if no_sort:
            await conn.execute("SET LOCAL enable_sort = off")
        cur = await conn.execute(b"EXPLAIN " + statement.as_bytes(conn), planned.params)
        return "\n".join(str(next(iter(r.values()))) for r in await cur.fetchall())


async def test_large_candidate_sets_rank_through_the_hnsw_index(
    indexed: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    q = "Is the Yandex Kubernetes master billed?"
    p = viewer(TENANT)
    exact = await search(indexed, p, q, mode="vector")
    small = await search_module.plan(indexed, p, q)
    assert not small.indexed and "hnsw" not in await _vector_plan(indexed, small, no_sort=True)
    monkeypatch.setattr(search_module, "EXACT_MAX", 0)
    indexed.services.pop("knowledge.candidates", None)
    large = await search_module.plan(indexed, p, q)
    assert large.indexed and "knowledge_chunks_hnsw_wordllama_idx" in await _vector_plan(indexed, large, no_sort=True)
    approximate = await search(indexed, p, q, mode="vector")
    assert approximate.passages[0].passage_id == exact.passages[0].passage_id == "yandex-cloud-en#managed-kubernetes"


async def test_in_a_large_store_the_commonest_lexemes_are_left_out_of_full_text(
    indexed: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past PRUNE_FROM_CHUNKS, a lexeme in more than COMMON_SHARE of the chunks (per Postgres's
    statistics) does not make full-text rank most of the store; a question of common words only
    still gets an answer (all of them required together)."""
    async with indexed.pool.connection() as conn:
        await conn.execute("ANALYZE knowledge_chunks")
    monkeypatch.setattr(search_module, "PRUNE_FROM_CHUNKS", 0)
    monkeypatch.setattr(search_module, "COMMON_SHARE", 0.3)
    common = await search_module.common_lexemes(indexed)
    assert common and len(common) < 50  # a few lexemes are in a third of the base's passages
    planned = await search_module.plan(indexed, viewer(TENANT), "What does EffectiveCost mean?", mode="full_text")
    assert planned.params["common"] == common
    out = await search(indexed, viewer(TENANT), "What does EffectiveCost mean in FOCUS?", mode="full_text")
    assert out.passages[0].passage_id == "focus-en#cost-columns"
    only_common = " ".join(common[:3])
    assert (await search(indexed, viewer(TENANT), only_common, mode="full_text")).passages
