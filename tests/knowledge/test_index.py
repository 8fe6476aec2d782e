"""Indexing: the packaged base idempotently (content hash; twice gives the same chunks, a change
re-indexes only what changed, a removed guide is deleted), once across processes starting
together (advisory lock), a document's chunks replaced as a whole, and the recommendation text
indexed for its tenant after it is generated, without ever failing the text."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.config import Settings
from infrazen_agent.knowledge import documents, index
from infrazen_agent.knowledge.embedding import LOCAL_MODEL
from infrazen_agent.knowledge.index import background, index_document, index_guides, status
from infrazen_agent.knowledge.search import search
from infrazen_agent.runtime import Runtime
from infrazen_agent.text.model import TextRequest
from infrazen_agent.text.service import generate
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds

from .conftest import viewer


async def _counts(runtime: Runtime) -> tuple[int, int, int]:
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT (SELECT count(*) FROM knowledge_documents) AS docs, count(*) AS chunks,"
            " count(*) FILTER (WHERE embedding_model = %s AND embedding IS NOT NULL) AS embedded"
            " FROM knowledge_chunks",
            (LOCAL_MODEL,),
        )
        row = await cur.fetchone()
    assert row is not None
    return int(row["docs"]), int(row["chunks"]), int(row["embedded"])


async def test_indexing_the_base_twice_gives_the_same_chunks(runtime: Runtime) -> None:
    first = await index_guides(runtime)
    counts = await _counts(runtime)
    again = await index_guides(runtime)
    assert first["indexed"] == len(documents.guide_documents()) and first["unchanged"] == 0
    assert again == {**first, "indexed": 0, "unchanged": first["indexed"]}
    assert await _counts(runtime) == counts == (first["indexed"], first["chunks"], first["chunks"])
    assert (await status(runtime))["global_chunks"] == first["chunks"]


async def test_only_changed_guides_are_reindexed_and_removed_ones_deleted(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await index_guides(runtime)
    docs = documents.guide_documents()
    edited = replace(docs[0], text=docs[0].text + "\n## Added {#added}\n\nA new section about egress and VAT.\n")
    monkeypatch.setattr(index, "guide_documents", lambda: (edited, *docs[2:]))
    counts = await index_guides(runtime)
    assert (counts["indexed"], counts["unchanged"], counts["removed"]) == (1, len(docs) - 2, 1)
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM knowledge_chunks WHERE passage_id = %s OR source_id = %s",
            (f"{docs[0].source_id}#added", docs[1].source_id),
        )
        assert (await cur.fetchone()) == {"n": 1}  # the new section in, the removed guide out


async def test_processes_indexing_at_once_do_it_once(make_settings: Callable[..., Settings]) -> None:
    runtimes = [await Runtime(make_settings()).ensure_started() for _ in range(3)]
    try:
        results = await asyncio.gather(*(index_guides(r) for r in runtimes))
        assert sorted(r["indexed"] for r in results) == [0, 0, len(documents.guide_documents())]
        docs, chunks, _ = await _counts(runtimes[0])
        assert docs == len(documents.guide_documents()) and chunks == results[0]["chunks"]
    finally:
        for r in runtimes:
            await r.stop()


async def test_a_document_is_replaced_whole_and_the_same_content_is_a_no_op(indexed: Runtime) -> None:
    text = "## One {#one}\n\nFirst version about Kubernetes node groups.\n\n## Two {#two}\n\nMore."
    first = await index_document(indexed, "t1", "report", "report/a", "Report A", text, "en", date(2026, 12, 1))
    same = await index_document(indexed, "t1", "report", "report/a", "Report A", text, "en", date(2026, 12, 1))
    assert (first.chunks, first.changed, same.chunks, same.changed) == (2, True, 2, False)
    shorter = await index_document(indexed, "t1", "report", "report/a", "Report A", "Only one part.", "en", None)
    assert shorter.chunks == 1 and shorter.changed
    async with indexed.pool.connection() as conn:
        cur = await conn.execute("SELECT passage_id, content FROM knowledge_chunks WHERE source_id = 'report/a'")
        assert await cur.fetchall() == [{"passage_id": "report/a#intro", "content": "Only one part."}]
    with pytest.raises(ValueError, match="source_kind"):
        await index_document(indexed, "t1", "email", "x", "X", "text", "en", None)


async def test_the_generated_recommendation_text_is_indexed_for_its_tenant(
    seeded_runtime: Runtime, demo: DemoIds
) -> None:
    rec = demo.recommendation(MAIN_TENANT, "stopped_server")
    owner = Principal(user_id=demo.owner(MAIN_TENANT), tenant_id=MAIN_TENANT, roles=("analyst",))
    text = await generate(
        seeded_runtime, owner, TextRequest(recommendation_id=rec, language="ru", mode="deterministic")
    )
    await background(seeded_runtime).drain()
    found = await search(seeded_runtime, viewer(MAIN_TENANT), text.title, source_kind="recommendation_text")
    assert found.passages and found.passages[0].source_id == f"recommendation/{rec}/ru"
    assert found.passages[0].scope == "tenant" and found.passages[0].date == text.generated_at.date()
    theirs = await search(seeded_runtime, viewer(SMALL_TENANT), text.title, source_kind="recommendation_text")
    assert theirs.passages == []


async def test_a_failed_indexing_never_fails_the_text(
    seeded_runtime: Runtime, demo: DemoIds, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("index is down")

    monkeypatch.setattr(index, "index_document", broken)
    rec = demo.recommendation(MAIN_TENANT, "unused_ip")
    owner = Principal(user_id=demo.owner(MAIN_TENANT), tenant_id=MAIN_TENANT, roles=("analyst",))
    with caplog.at_level(logging.WARNING, logger="infrazen_agent.knowledge"):
        text = await generate(seeded_runtime, owner, TextRequest(recommendation_id=rec, mode="deterministic"))
        await background(seeded_runtime).drain()
    assert text.text and "knowledge indexing failed" in caplog.text
