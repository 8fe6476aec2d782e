"""Writing knowledge: a document's chunks replaced as one transaction, skipped when its content
hash is unchanged; the packaged base indexed once per process on first use (or by `infrazen-agent
knowledge index`), under an advisory lock so that processes starting together do it once."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import sql

from ..db import Conn
from ..runtime import Runtime
from .chunking import CHUNKER_VERSION, Chunk, chunk_markdown
from .documents import guide_documents
from .embedding import LOCAL_DIMENSIONS, LOCAL_MODEL, Embedder, choose, get_embedder, vector_literal
from .model import SOURCE_KINDS

log = logging.getLogger("infrazen_agent.knowledge")

GLOBAL_LOCK = 7_420_014  # pg advisory lock of the packaged base's indexing
MAX_TEXT_CHARS = 200_000  # a document longer than this is indexed from its start
HNSW_MAX_DIMENSIONS = 2000  # pgvector's limit for an HNSW index on `vector`


@dataclass(frozen=True)
class Indexed:
    chunks: int
    changed: bool  # False: the same content was already indexed


def content_hash(title: str, text: str, language: str, day: date | None, model: str) -> str:
    payload = json.dumps([CHUNKER_VERSION, model, title, language, day.isoformat() if day else None, text])
    return hashlib.sha256(payload.encode()).hexdigest()


async def _vectors(embedder: Embedder | None, chunks: list[Chunk]) -> tuple[list[str | None], str]:
    """(pgvector literals or None per chunk, the model that made them or ""). An embedding
    failure leaves the document full-text only; the next indexing tries again."""
    if embedder is None or not chunks:
        return [None] * len(chunks), ""
    try:
        vectors = await embedder.embed([f"{c.title}\n{c.content}" for c in chunks])
    except Exception as exc:  # noqa: BLE001 - full-text still finds the document
        log.warning("embedding failed; indexed for full-text only", extra={"error": f"{type(exc).__name__}: {exc}"})
        return [None] * len(chunks), ""
    return [vector_literal(v) for v in vectors], embedder.model


_UPSERT = """
INSERT INTO knowledge_documents (tenant_id, source_kind, source_id, title, language, content_day,
                                 content_hash, embedding_model, chunks)
VALUES (%(tenant)s, %(kind)s, %(source)s, %(title)s, %(language)s, %(day)s, %(hash)s, %(model)s, %(chunks)s)
ON CONFLICT ((COALESCE(tenant_id, '')), source_kind, source_id) DO UPDATE
   SET title = EXCLUDED.title, language = EXCLUDED.language, content_day = EXCLUDED.content_day,
       content_hash = EXCLUDED.content_hash, embedding_model = EXCLUDED.embedding_model,
       chunks = EXCLUDED.chunks, indexed_at = now()
RETURNING id
"""
_INSERT_CHUNKS = """
INSERT INTO knowledge_chunks (document_id, tenant_id, source_kind, source_id, passage_id, position, title,
                              language, content, content_day, embedding, embedding_model)
SELECT %(doc)s, %(tenant)s, %(kind)s, %(source)s, c.passage_id, c.position, c.title,
       %(language)s, c.content, %(day)s, c.embedding::vector, %(model)s
  FROM jsonb_to_recordset(%(rows)s::jsonb) AS c(passage_id text, position int, title text, content text, embedding text)
"""
_HASH_OF = """
SELECT content_hash, chunks FROM knowledge_documents
 WHERE COALESCE(tenant_id, '') = COALESCE(%(tenant)s, '') AND source_kind = %(kind)s AND source_id = %(source)s
"""


async def _write(
    conn: Conn,
    *,
    tenant_id: str | None,
    source_kind: str,
    source_id: str,
    title: str,
    language: str,
    day: date | None,
    digest: str,
    chunks: list[Chunk],
    vectors: list[str | None],
    model: str,
) -> None:
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "kind": source_kind,
        "source": source_id,
        "title": title,
        "language": language,
        "day": day,
        "hash": digest,
        "model": model,
        "chunks": len(chunks),
    }
    cur = await conn.execute(_UPSERT, params)
    row = await cur.fetchone()
    assert row is not None
    await conn.execute("DELETE FROM knowledge_chunks WHERE document_id = %s", (row["id"],))
    rows = [
        {"passage_id": c.passage_id, "position": c.position, "title": c.title, "content": c.content, "embedding": v}
        for c, v in zip(chunks, vectors, strict=True)
    ]
    await conn.execute(_INSERT_CHUNKS, {**params, "doc": row["id"], "rows": json.dumps(rows, ensure_ascii=False)})


def _check(source_kind: str, language: str) -> None:
    if source_kind not in SOURCE_KINDS:
        raise ValueError(f"source_kind is one of {', '.join(SOURCE_KINDS)}, not {source_kind!r}")
    if language not in ("ru", "en"):
        raise ValueError(f"language is ru or en, not {language!r}")


async def index_document(
    runtime: Runtime,
    tenant_id: str | None,
    source_kind: str,
    source_id: str,
    title: str,
    text: str,
    language: str,
    day: date | None,
) -> Indexed:
    """Replace one document's chunks (a tenant's report or recommendation text; None = global).
    The same content again is a no-op; two writers of one document serialise on its row."""
    _check(source_kind, language)
    text = text[:MAX_TEXT_CHARS]
    embedder = get_embedder(runtime)
    digest = content_hash(title, text, language, day, embedder.model if embedder else "")
    key = {"tenant": tenant_id, "kind": source_kind, "source": source_id}
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(_HASH_OF, key)
        found = await cur.fetchone()
    if found is not None and found["content_hash"] == digest:
        return Indexed(int(found["chunks"]), changed=False)
    chunks = chunk_markdown(source_id, title, text)
    vectors, model = await _vectors(embedder, chunks)
    digest = content_hash(title, text, language, day, model)
    async with runtime.pool.connection() as conn, conn.transaction():
        await _write(
            conn,
            tenant_id=tenant_id,
            source_kind=source_kind,
            source_id=source_id,
            title=title,
            language=language,
            day=day,
            digest=digest,
            chunks=chunks,
            vectors=vectors,
            model=model,
        )
        if model and model != LOCAL_MODEL and vectors and vectors[0]:
            await _ensure_vector_index(conn, model, len(vectors[0].split(",")))
    return Indexed(len(chunks), changed=True)


def recommendation_source_id(recommendation_id: int | str | None, resource_id: int | str | None, language: str) -> str:
    """A recommendation text's source id: one document per subject and language. A token minted
    for one recommendation's chat reads only `recommendation/<its id>/…` (knowledge/search.py)."""
    if recommendation_id is not None:
        return f"recommendation/{recommendation_id}/{language}"
    return f"resource/{resource_id}/{language}"


class Background:
    """Index writes that must not hold up the answer that caused them (a recommendation text, a
    report): run as tasks, failures logged, awaited when the runtime stops (or by `drain`)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, Any], what: str) -> None:
        async def quietly() -> None:
            try:
                await work
            except Exception as exc:  # noqa: BLE001 - indexing never breaks what triggered it
                log.warning("knowledge indexing failed", extra={"what": what, "error": f"{type(exc).__name__}: {exc}"})

        task = asyncio.ensure_future(quietly())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def aclose(self) -> None:
        try:
            await asyncio.wait_for(self.drain(), 10.0)
        except TimeoutError:
            log.warning("knowledge indexing still running at shutdown", extra={"tasks": len(self._tasks)})


def background(runtime: Runtime) -> Background:
    queue = runtime.services.get("knowledge.background")
    if not isinstance(queue, Background):
        queue = runtime.services["knowledge.background"] = Background()
    return queue


def index_later(
    runtime: Runtime,
    tenant_id: str | None,
    source_kind: str,
    source_id: str,
    title: str,
    text: str,
    language: str,
    day: date | None,
) -> None:
    """`index_document` in the background: the caller answers now; a failure is only logged."""
    work = index_document(runtime, tenant_id, source_kind, source_id, title, text, language, day)
    background(runtime).start(work, f"{source_kind}:{source_id}")


async def delete_document(runtime: Runtime, tenant_id: str | None, source_kind: str, source_id: str) -> bool:
    """Remove a document and its chunks (e.g. a deleted report); False when there was none."""
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "DELETE FROM knowledge_documents WHERE COALESCE(tenant_id, '') = COALESCE(%(tenant)s, '')"
            " AND source_kind = %(kind)s AND source_id = %(source)s",
            {"tenant": tenant_id, "kind": source_kind, "source": source_id},
        )
        return cur.rowcount > 0


def vector_index_name(model: str) -> str:
    return "knowledge_chunks_hnsw_" + hashlib.sha256(model.encode()).hexdigest()[:12]


async def _ensure_vector_index(conn: Conn, model: str, dimensions: int) -> None:
    """A gateway model's own partial HNSW index on a cast to its dimension (the local model's is
    in the migration): made once, the first time that model's vectors are written."""
    if (model == LOCAL_MODEL and dimensions == LOCAL_DIMENSIONS) or dimensions > HNSW_MAX_DIMENSIONS:
        return
    await conn.execute(
        sql.SQL(
            "CREATE INDEX IF NOT EXISTS {name} ON knowledge_chunks USING hnsw "
            "((embedding::vector({dims})) vector_cosine_ops) WHERE embedding_model = {model}"
        ).format(name=sql.Identifier(vector_index_name(model)), dims=sql.Literal(dimensions), model=sql.Literal(model))
    )


async def index_guides(runtime: Runtime) -> dict[str, int]:
    """Index the packaged base: changed documents re-indexed, removed ones deleted, the rest left
    alone. One process at a time (advisory lock); the others then find nothing to do."""
    embedder = get_embedder(runtime)
    model = embedder.model if embedder else ""
    docs = guide_documents()
    counts = {"indexed": 0, "unchanged": 0, "removed": 0, "chunks": 0}
    async with runtime.pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (GLOBAL_LOCK,))
        cur = await conn.execute(
            "SELECT source_id, content_hash FROM knowledge_documents WHERE tenant_id IS NULL AND source_kind = 'guide'"
        )
        known = {r["source_id"]: r["content_hash"] for r in await cur.fetchall()}
        for doc in docs:
            chunks = chunk_markdown(doc.source_id, doc.title, doc.text)
            counts["chunks"] += len(chunks)
            if known.get(doc.source_id) == content_hash(doc.title, doc.text, doc.language, doc.day, model):
                counts["unchanged"] += 1
                continue
            vectors, made_by = await _vectors(embedder, chunks)
            await _write(
                conn,
                tenant_id=None,
                source_kind="guide",
                source_id=doc.source_id,
                title=doc.title,
                language=doc.language,
                day=doc.day,
                digest=content_hash(doc.title, doc.text, doc.language, doc.day, made_by),
                chunks=chunks,
                vectors=vectors,
                model=made_by,
            )
            if made_by and made_by != LOCAL_MODEL and vectors and vectors[0]:
                await _ensure_vector_index(conn, made_by, len(vectors[0].split(",")))
            counts["indexed"] += 1
        gone = await conn.execute(
            "DELETE FROM knowledge_documents WHERE tenant_id IS NULL AND source_kind = 'guide'"
            " AND NOT (source_id = ANY(%s))",
            ([d.source_id for d in docs],),
        )
        counts["removed"] = gone.rowcount
    if counts["indexed"] or counts["removed"]:
        log.info("knowledge base indexed", extra=counts)
    return counts


async def ensure_guides(runtime: Runtime) -> None:
    """The packaged base is indexed: checked once per runtime (first use), then remembered."""
    if runtime.services.get("knowledge.guides") is True:
        return
    lock = runtime.services.setdefault("knowledge.guides_lock", asyncio.Lock())
    async with lock:
        if runtime.services.get("knowledge.guides") is not True:
            await index_guides(runtime)
            runtime.services["knowledge.guides"] = True


async def status(runtime: Runtime) -> dict[str, Any]:
    """For /v1/ready: the retrieval mode, the embedding model and what is indexed."""
    choice = choose(runtime)
    out: dict[str, Any] = {
        "mode": "hybrid" if choice.kind != "none" else "full_text",
        "embeddings": choice.kind,
        "embedding_model": choice.model or None,
    }
    if choice.reason:
        out["reason"] = choice.reason
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT COALESCE(sum(chunks), 0) AS chunks,"
            " COALESCE(sum(chunks) FILTER (WHERE tenant_id IS NULL), 0) AS global_chunks,"
            " COALESCE(sum(chunks) FILTER (WHERE embedding_model = %s), 0) AS embedded_chunks"
            " FROM knowledge_documents",
            (choice.model,),
        )
        row = await cur.fetchone()
    assert row is not None
    out.update({k: int(row[k]) for k in ("chunks", "global_chunks", "embedded_chunks")})
    if choice.kind == "none":
        out["embedded_chunks"] = 0
    return out
