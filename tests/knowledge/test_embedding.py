"""Embeddings: the local model read from the wordllama wheel's own files (no network, no import of
`wordllama`, no logging configured), the gateway's /embeddings when EMBEDDING_MODEL names a model
on LLM_API_BASE (scripted server), and full-text only when neither is there; /v1/ready says which."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

from infrazen_agent.app import create_app
from infrazen_agent.config import Settings
from infrazen_agent.knowledge import embedding
from infrazen_agent.knowledge.embedding import LOCAL_DIMENSIONS, LOCAL_MODEL, LocalEmbedder, choose
from infrazen_agent.knowledge.index import vector_index_name
from infrazen_agent.knowledge.search import search
from infrazen_agent.runtime import Runtime
from tests.support.llm_server import EMBEDDING_DIMENSIONS, ScriptedLLMServer

from .conftest import viewer

EMBED_MODEL = "openai/scripted-embed"


def test_the_local_model_needs_no_network_and_configures_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_: Any, **__: Any) -> None:
        raise AssertionError("the local model tried the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    handlers = list(logging.getLogger().handlers)
    vectors = np.array(
        LocalEmbedder().embed_now(
            [
                "EffectiveCost is the amortised cost after discounts",
                "What does EffectiveCost mean?",
                "Остановленный сервер продолжает платить за диски",
                "",
            ]
        )
    )
    assert vectors.shape == (4, LOCAL_DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5) and not vectors[3].any()
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # closer in meaning, closer in space
    assert "wordllama" not in sys.modules and logging.getLogger().handlers == handlers


async def test_ready_reports_the_local_hybrid_mode_and_the_indexed_chunks(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]
) -> None:
    before = (await client.get("/v1/ready")).json()["knowledge"]
    assert before == {
        "mode": "hybrid",
        "embeddings": "local",
        "embedding_model": LOCAL_MODEL,
        "chunks": 0,  # indexed on first use
        "global_chunks": 0,
        "embedded_chunks": 0,
    }
    r = await client.post("/v1/tools/search_knowledge", json={"query": "What is FOCUS?"}, headers=auth())
    assert r.status_code == 200 and r.json()["data"]["mode"] == "hybrid"
    after = (await client.get("/v1/ready")).json()["knowledge"]
    assert after["chunks"] == after["global_chunks"] == after["embedded_chunks"] > 60


async def test_without_any_embedding_ready_says_full_text(make_settings: Callable[..., Settings]) -> None:
    app = create_app(["health"], make_settings(embedding_model="none"))
    await app.state.runtime.ensure_started()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
            knowledge = (await c.get("/v1/ready")).json()["knowledge"]
    finally:
        await app.state.runtime.stop()
    assert knowledge["mode"] == "full_text" and knowledge["embedding_model"] is None
    assert knowledge["reason"] == "EMBEDDING_MODEL=none"


async def test_a_missing_local_model_means_full_text(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding, "_wordllama_files", lambda: None)
    runtime = await Runtime(make_settings()).ensure_started()
    try:
        assert choose(runtime).kind == "none" and "wordllama" in choose(runtime).reason
        out = await search(runtime, viewer("1001"), "What does EffectiveCost mean in FOCUS?")
        assert out.mode == "full_text" and out.passages[0].passage_id == "focus-en#cost-columns"
    finally:
        await runtime.stop()


async def test_the_gateway_model_embeds_when_configured(
    llm_settings: Callable[..., Settings], llm_server: ScriptedLLMServer
) -> None:
    runtime = await Runtime(llm_settings(embedding_model=EMBED_MODEL)).ensure_started()
    try:
        assert choose(runtime).kind == "gateway"
        out = await search(runtime, viewer("1001"), "What does EffectiveCost mean in FOCUS?")
        assert out.mode == "hybrid" and out.passages[0].passage_id == "focus-en#cost-columns"
        assert llm_server.embedding_requests and all(
            b["model"] == "scripted-embed" for b in llm_server.embedding_requests
        )
        async with runtime.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT DISTINCT embedding_model, vector_dims(embedding) AS dims FROM knowledge_chunks"
            )
            assert await cur.fetchall() == [{"embedding_model": EMBED_MODEL, "dims": EMBEDDING_DIMENSIONS}]
            cur = await conn.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", (vector_index_name(EMBED_MODEL),))
            assert await cur.fetchone() is not None  # the model's own HNSW index, made on first indexing
        from infrazen_agent.readiness import knowledge_retrieval

        ready = await knowledge_retrieval(runtime, 2.0)
        assert (ready["mode"], ready["embeddings"], ready["embedding_model"]) == ("hybrid", "gateway", EMBED_MODEL)
        llm_server.embeddings_status = 500  # the endpoint fails: full-text still answers
        down = await search(runtime, viewer("1001"), "Is ChargePeriodEnd inclusive?")
        assert down.mode == "full_text" and down.passages[0].passage_id == "focus-en#periods"
    finally:
        await runtime.stop()


async def test_a_gateway_model_without_a_configured_llm_falls_back_to_local(
    make_settings: Callable[..., Settings],
) -> None:
    runtime = await Runtime(make_settings(embedding_model=EMBED_MODEL)).ensure_started()  # LLM offline
    try:
        assert (choose(runtime).kind, choose(runtime).model) == ("local", LOCAL_MODEL)
    finally:
        await runtime.stop()
