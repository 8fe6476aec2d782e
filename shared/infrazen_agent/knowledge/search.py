"""The hybrid query: Postgres full-text (any word of the question, ranked by ts_rank) and pgvector
cosine distance, each taking its best DEPTH chunks, fused by reciprocal rank fusion (a chunk's
score is the sum of 1 / (RRF_K + its rank) over the rankings it is in), passages in the
question's language weighted up. The two rankings are two statements run at once on two
connections (each is one round trip; the answer waits for the slower one, not for both).

Who sees what is decided here only: global chunks (tenant_id IS NULL) and the principal's own
tenant's; a token minted for one recommendation's chat reads, of its tenant's documents, only
that recommendation's texts. The tenant is never an argument.

The vector ranking is exact over the caller's candidate chunks (the global base and its tenant's
documents: a few thousand for most tenants, about a millisecond per thousand) and goes through
the model's HNSW index when they are many (EXACT_MAX): the index is approximate and filters after
it ranks, so it is used only where much of what it returns is the caller's. Statements are never
prepared: a generic plan cannot see how large the caller's tenant is.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from ..auth import Principal
from ..runtime import Runtime
from .embedding import get_embedder, vector_literal
from .index import ensure_guides, recommendation_source_id
from .model import KnowledgeOut, Mode, Passage

log = logging.getLogger("infrazen_agent.knowledge")

DEFAULT_LIMIT = 4
MAX_LIMIT = 10
DEPTH = 30  # chunks each ranking contributes to the fusion
RRF_K = 60
LANGUAGE_WEIGHT = 1.5  # a passage in the question's language counts this much more
MAX_DISTANCE = 0.8  # cosine distance beyond which a chunk is not "similar" at all (unrelated text)
# The vector ranking is exact up to EXACT_MAX candidate chunks; past it, through the HNSW index
# when the caller's chunks are at least INDEXED_MIN_SHARE of the model's (the index returns the
# HNSW_EF_SEARCH nearest of all tenants, filtered after: that share of them is the caller's).
EXACT_MAX = 5_000
INDEXED_MIN_SHARE = 0.08
HNSW_EF_SEARCH = 400
MAX_QUERY_WORDS = 40
SNIPPET_CHARS = 700
_CANDIDATES_TTL_S = 60.0
# In a large store, a lexeme in more than COMMON_SHARE of the chunks ("server", "cost") says little
# and makes full-text rank most of the caller's chunks: such lexemes are left out of the query
# (the vector ranking still reads them). Postgres's own statistics of the tsvector column say
# which they are (ANALYZE; read every few minutes).
PRUNE_FROM_CHUNKS = 20_000
COMMON_SHARE = 0.1
_COMMON_TTL_S = 300.0

_WORD = re.compile(r"\w+")
_RUSSIAN_WORD = re.compile(r"[А-Яа-яЁё]{2,}")
_SENTENCE = re.compile(r"(?<=[.!?…:])\s+|\n+")


@dataclass(frozen=True)
class _Visibility:
    tenant: str
    subject: str | None  # a LIKE pattern of the only tenant documents a scoped token reads


def _visibility(principal: Principal) -> _Visibility:
    if principal.scenario == "recommendation":
        own = recommendation_source_id(str(principal.scope.get("recommendation_id") or ""), None, "")
        return _Visibility(principal.tenant_id, _escape_like(own) + "%")
    return _Visibility(principal.tenant_id, None)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Who may see a chunk, and the optional filters: the same fragment in every ranking.
_VISIBLE = sql.SQL(
    "(c.tenant_id IS NULL OR (c.tenant_id = %(tenant)s"
    " AND (%(subject)s::text IS NULL OR c.source_id LIKE %(subject)s)))"
    " AND (%(kind)s::text IS NULL OR c.source_kind = %(kind)s)"
)
_COLUMNS = sql.SQL(
    "c.id, c.passage_id, c.source_kind, c.source_id, c.title, c.language, c.content_day, c.content,"
    " c.tenant_id IS NULL AS global"
)
# The question's lexemes (Russian and English stems) less the store's most common ones, any of
# them matching; when that leaves none, all of them together (a question of common words only).
# Ranked on ids alone; the passages' columns are read for the best DEPTH only.
_FTS = sql.SQL(
    "SELECT {columns} FROM ("
    " SELECT c.id, ts_rank(c.tsv, q) AS rank FROM knowledge_chunks c, COALESCE("
    "  to_tsquery('simple', NULLIF(array_to_string(ARRAY("
    "   SELECT l FROM unnest(tsvector_to_array(to_tsvector('russian', %(plain)s))) l"
    "   WHERE l <> ALL(%(common)s::text[])), ' | '), '')),"
    "  plainto_tsquery('russian', %(plain)s)) q"
    " WHERE c.tsv @@ q AND {visible}"
    " ORDER BY rank DESC, c.id LIMIT %(depth)s) s"
    " JOIN knowledge_chunks c ON c.id = s.id ORDER BY s.rank DESC, c.id"
)
_VECTOR_EXACT = sql.SQL(
    "SELECT {columns} FROM ("
    " SELECT c.id, c.embedding <=> %(vector)s::vector AS distance FROM knowledge_chunks c"
    " WHERE c.embedding_model = %(model)s AND {visible}"
    " ORDER BY distance, c.id LIMIT %(depth)s) s"
    " JOIN knowledge_chunks c ON c.id = s.id WHERE s.distance <= %(max_distance)s ORDER BY s.distance, c.id"
)
# The index's expression and predicate written out (a literal model name, a literal dimension)
# so that the planner matches the partial index.
_VECTOR_INDEXED = sql.SQL(
    "SELECT {columns} FROM ("
    " SELECT c.id, c.embedding::vector({dims}) <=> %(vector)s::vector({dims}) AS distance"
    " FROM knowledge_chunks c"
    " WHERE c.embedding_model = {model} AND {visible}"
    " ORDER BY c.embedding::vector({dims}) <=> %(vector)s::vector({dims}) LIMIT %(depth)s) s"
    " JOIN knowledge_chunks c ON c.id = s.id WHERE s.distance <= %(max_distance)s ORDER BY s.distance, c.id"
)
_COMMON = """
SELECT c.reltuples AS chunks, s.most_common_elems::text::text[] AS lexemes, s.most_common_elem_freqs AS shares
  FROM pg_class c
  LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = 'knowledge_chunks' AND s.attname = 'tsv'
 WHERE c.oid = 'knowledge_chunks'::regclass
"""
_VECTOR_EXACT = sql.SQL(
    "SELECT * FROM ("
    " SELECT {columns}, c.embedding <=> %(vector)s::vector AS distance FROM knowledge_chunks c"
    " WHERE c.embedding_model = %(model)s AND {visible}"
    " ORDER BY distance, c.id LIMIT %(depth)s) s"
    " WHERE distance <= %(max_distance)s"
)
# The index's expression and predicate written out (a literal model name, a literal dimension)
# so that the planner matches the partial index.
_VECTOR_INDEXED = sql.SQL(
    "SELECT * FROM ("
    " SELECT {columns}, c.embedding::vector({dims}) <=> %(vector)s::vector({dims}) AS distance"
    " FROM knowledge_chunks c"
    " WHERE c.embedding_model = {model} AND {visible}"
    " ORDER BY c.embedding::vector({dims}) <=> %(vector)s::vector({dims}) LIMIT %(depth)s) s"
    " WHERE distance <= %(max_distance)s"
)


def preferred_language(query: str) -> str:
    """ "ru" when the question has a Russian word: Russian questions are full of English terms
    ("Сколько стоит control plane в Cloud Containers?"), English ones carry no Russian words."""
    return "ru" if _RUSSIAN_WORD.search(query) else "en"


def query_words(query: str) -> str:
    """The question's words, lower case, punctuation dropped (what users type never reaches the
    tsquery parser: the lexemes are made by to_tsvector, which takes any text)."""
    return " ".join(_WORD.findall(query.lower())[:MAX_QUERY_WORDS])


async def _candidates(runtime: Runtime, v: _Visibility, model: str) -> tuple[int, int]:
    """(embedded chunks the caller may see, all the model's chunks), cached a minute: they only
    pick a plan."""
    cache: dict[tuple[str, str], tuple[float, tuple[int, int]]] = runtime.services.setdefault(
        "knowledge.candidates", {}
    )
    key = (v.tenant, model)
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _CANDIDATES_TTL_S:
        return hit[1]
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT COALESCE(sum(chunks) FILTER (WHERE tenant_id IS NULL OR tenant_id = %s), 0) AS mine,"
            " COALESCE(sum(chunks), 0) AS every FROM knowledge_documents WHERE embedding_model = %s",
            (v.tenant, model),
        )
        row = await cur.fetchone()
    counts = (int(row["mine"]), int(row["every"])) if row else (0, 0)
    cache[key] = (now, counts)
    return counts


def use_index(mine: int, every: int) -> bool:
    return mine > EXACT_MAX and mine >= INDEXED_MIN_SHARE * every


async def common_lexemes(runtime: Runtime) -> list[str]:
    """The lexemes in more than COMMON_SHARE of the chunks, in a store of PRUNE_FROM_CHUNKS or more
    (cached a few minutes; none before the first ANALYZE)."""
    hit = runtime.services.get("knowledge.common")
    now = time.monotonic()
    if isinstance(hit, tuple) and now - hit[0] < _COMMON_TTL_S:
        return list(hit[1])
    async with runtime.pool.connection() as conn:
        cur = await conn.execute(_COMMON)
        row = await cur.fetchone()
    common: list[str] = []
    if row is not None and (row["chunks"] or 0) >= PRUNE_FROM_CHUNKS and row["lexemes"]:
        common = [lex for lex, share in zip(row["lexemes"], row["shares"] or [], strict=False) if share > COMMON_SHARE]
    runtime.services["knowledge.common"] = (now, tuple(common))
    return common


def _snippet(content: str, query: str) -> str:
    """The passage itself when short; else the window of sentences that shares the most words
    with the question (word stems by their first five letters), marked with … where cut."""
    if len(content) <= SNIPPET_CHARS:
        return content
    stems = {w[:5] for w in _WORD.findall(query.lower()) if len(w) >= 3}
    sentences = [s for s in _SENTENCE.split(content) if s.strip()]

    def hits(sentence: str) -> int:
        return sum(1 for w in _WORD.findall(sentence.lower()) if w[:5] in stems)

    best = max(range(len(sentences)), key=lambda i: (hits(sentences[i]), -i)) if sentences else 0
    start = best if hits(sentences[best]) else 0
    out: list[str] = []
    for sentence in sentences[start:]:
        if out and len(" ".join(out)) + len(sentence) > SNIPPET_CHARS:
            break
        out.append(sentence.strip())
    text = " ".join(out)[:SNIPPET_CHARS]
    return ("… " if start else "") + text + (" …" if len(text) < len(" ".join(sentences[start:])) else "")


@dataclass(frozen=True)
class Planned:
    """One search as it will run: a statement per ranking (none: nothing to ask), their
    parameters, the ranking used and whether the vector ranking goes through the HNSW index."""

    rankings: dict[str, sql.Composed]  # "fts" | "vector" -> statement
    params: dict[str, Any]
    mode: Mode
    indexed: bool = False


async def plan(
    runtime: Runtime,
    principal: Principal,
    query: str,
    *,
    limit: int = DEFAULT_LIMIT,
    source_kind: str | None = None,
    language: str | None = None,
    mode: Mode | None = None,
) -> Planned:
    words = query_words(query)
    embedder = get_embedder(runtime) if mode != "full_text" else None
    if not words:  # no word in it (punctuation, emoji): no question to answer
        return Planned({}, {}, "hybrid" if embedder else "full_text")
    vector: list[float] | None = None
    if embedder is not None:
        try:
            vector = (await embedder.embed([query]))[0]
        except Exception as exc:  # noqa: BLE001 - full-text still answers
            log.warning("query embedding failed; full-text only", extra={"error": f"{type(exc).__name__}: {exc}"})
    used: Mode = "vector" if mode == "vector" else ("hybrid" if vector is not None else "full_text")
    if used == "vector" and vector is None:
        used = "full_text"  # nothing to rank by vector: say so rather than answer nothing
    v = _visibility(principal)
    params: dict[str, Any] = {
        "tenant": v.tenant,
        "subject": v.subject,
        "kind": source_kind,
        "plain": words,
        "common": await common_lexemes(runtime) if used != "vector" else [],
        "depth": DEPTH,
        "language": language or preferred_language(query),
        "limit": max(1, min(limit, MAX_LIMIT)),
        "max_distance": MAX_DISTANCE,
    }
    rankings: dict[str, sql.Composed] = {}
    if used != "vector":
        rankings["fts"] = _FTS.format(columns=_COLUMNS, visible=_VISIBLE)
    indexed = False
    if used != "full_text" and vector is not None and embedder is not None:
        params.update({"model": embedder.model, "vector": vector_literal(vector)})
        indexed = use_index(*await _candidates(runtime, v, embedder.model))
        rankings["vector"] = (
            _VECTOR_INDEXED.format(
                columns=_COLUMNS,
                visible=_VISIBLE,
                dims=sql.Literal(len(vector)),
                model=sql.Literal(embedder.model),
            )
            if indexed
            else _VECTOR_EXACT.format(columns=_COLUMNS, visible=_VISIBLE)
        )
    return Planned(rankings, params, used, indexed)


async def _rank(runtime: Runtime, statement: sql.Composed, params: dict[str, Any], indexed: bool) -> list[Any]:
    async with runtime.pool.connection() as conn:
        if indexed:
            await conn.execute(sql.SQL("SET hnsw.ef_search = {}").format(sql.Literal(HNSW_EF_SEARCH)))
        cur = await conn.execute(statement, params, prepare=False)
        return await cur.fetchall()


def fuse(rankings: list[list[Any]], language: str, limit: int) -> list[tuple[float, Any]]:
    """Reciprocal rank fusion of the rankings' rows (by chunk id), the question's language weighted
    up; the best `limit` as (score, row)."""
    scores: dict[int, float] = {}
    rows: dict[int, Any] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking, start=1):
            scores[row["id"]] = scores.get(row["id"], 0.0) + 1.0 / (RRF_K + rank)
            rows[row["id"]] = row
    for chunk, row in rows.items():
        if row["language"] == language:
            scores[chunk] *= LANGUAGE_WEIGHT
    best = sorted(scores, key=lambda chunk: (-scores[chunk], chunk))[:limit]
    return [(scores[chunk], rows[chunk]) for chunk in best]


async def search(
    runtime: Runtime,
    principal: Principal,
    query: str,
    *,
    limit: int = DEFAULT_LIMIT,
    source_kind: str | None = None,
    language: str | None = None,
    mode: Mode | None = None,
) -> KnowledgeOut:
    """The best passages for `query` that `principal` may read. `mode` forces a ranking (the
    benchmark's baselines); by default hybrid when embeddings are available, else full-text."""
    await ensure_guides(runtime)
    planned = await plan(runtime, principal, query, limit=limit, source_kind=source_kind, language=language, mode=mode)
    if not planned.rankings:
        return KnowledgeOut(query=query, mode=planned.mode, passages=[])
    ranked = await asyncio.gather(
        *(
            _rank(runtime, statement, planned.params, planned.indexed and name == "vector")
            for name, statement in planned.rankings.items()
        )
    )
    passages = [
        Passage(
            passage_id=r["passage_id"],
            source_kind=r["source_kind"],
            source_id=r["source_id"],
            title=r["title"],
            language=r["language"],
            date=r["content_day"],
            scope="global" if r["global"] else "tenant",
            snippet=_snippet(r["content"], query),
            score=round(score * 1000, 3),
        )
        for score, r in fuse(list(ranked), planned.params["language"], planned.params["limit"])
    ]
    return KnowledgeOut(query=query, mode=planned.mode, passages=passages)
