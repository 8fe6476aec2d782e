-- Foundation: pgvector (retrieval later) and uploaded images.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE uploads (
    id            text PRIMARY KEY,
    tenant_id     text NOT NULL,
    user_id       text NOT NULL,
    object_key    text NOT NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size_bytes    integer NOT NULL CHECK (size_bytes > 0),
    sha256        text NOT NULL,
    width         integer,
    height        integer,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX uploads_tenant_idx ON uploads (tenant_id, created_at DESC);
CREATE INDEX uploads_expiry_idx ON uploads (expires_at);
