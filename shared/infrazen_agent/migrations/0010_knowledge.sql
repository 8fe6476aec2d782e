-- Knowledge (retrieval over approved content): documents and their chunks, global (tenant_id
-- NULL: the curated FinOps base shipped in the package) or a tenant's own (its reports and
-- recommendation texts). Full-text search on a generated tsvector and vector search on
-- embeddings, fused by the service (knowledge/search.py).
CREATE TABLE knowledge_documents (
    id              bigserial PRIMARY KEY,
    tenant_id       text,  -- NULL: global
    source_kind     text NOT NULL CHECK (source_kind IN ('guide', 'report', 'recommendation_text')),
    source_id       text NOT NULL,
    title           text NOT NULL,
    language        text NOT NULL,
    content_day     date,
    -- sha256 of what was indexed (text, title, chunker, embedding model): unchanged -> not redone
    content_hash    text NOT NULL,
    embedding_model text NOT NULL DEFAULT '',  -- '' = not embedded (full-text only)
    chunks          int NOT NULL,
    indexed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX knowledge_documents_key_idx
    ON knowledge_documents ((COALESCE(tenant_id, '')), source_kind, source_id);
CREATE INDEX knowledge_documents_tenant_idx ON knowledge_documents (tenant_id, embedding_model);

CREATE TABLE knowledge_chunks (
    id              bigserial PRIMARY KEY,
    document_id     bigint NOT NULL REFERENCES knowledge_documents (id) ON DELETE CASCADE,
    tenant_id       text,  -- copied from the document: every search filters on it
    source_kind     text NOT NULL,
    source_id       text NOT NULL,
    passage_id      text NOT NULL,  -- stable: "<source id>#<section anchor>[-n]"
    position        int NOT NULL,
    title           text NOT NULL,  -- the heading path: "Selectel › Egress"
    language        text NOT NULL,
    content         text NOT NULL,
    content_day     date,
    -- The russian configuration stems Cyrillic words with the Russian stemmer and ASCII words
    -- with the English one (and drops both languages' stop words): one vector for RU and EN.
    tsv             tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('russian', title), 'A') || setweight(to_tsvector('russian', content), 'D')
                    ) STORED,
    -- Untyped: any model's dimension. Each model gets its own partial HNSW index on a cast to its
    -- dimension (the local model's below; a gateway model's is made when first indexed).
    embedding       vector,
    embedding_model text NOT NULL DEFAULT ''
);
-- A chunk's row stays whole in its page (up to ~8 kB): rankings read the vector or the tsvector
-- of every candidate, and out of line (TOAST, past ~2 kB by default) each read is another
-- lookup (measured: 4-5x slower rankings). Vectors are never compressed (floats do not shrink);
-- a row too large even so still goes out of line.
ALTER TABLE knowledge_chunks SET (toast_tuple_target = 8160);
ALTER TABLE knowledge_chunks ALTER COLUMN embedding SET STORAGE MAIN;
CREATE INDEX knowledge_chunks_document_idx ON knowledge_chunks (document_id);
CREATE INDEX knowledge_chunks_tenant_idx ON knowledge_chunks (tenant_id, embedding_model);
CREATE INDEX knowledge_chunks_tsv_idx ON knowledge_chunks USING gin (tsv);
CREATE INDEX knowledge_chunks_hnsw_wordllama_idx ON knowledge_chunks
    USING hnsw ((embedding::vector(256)) vector_cosine_ops)
    WHERE embedding_model = 'wordllama/l2_supercat_256';
