-- One-click reports: a job per request (queued → running → ready | failed) with its progress, the
-- tool calls it cited, and the object-store keys of its files (under the tenant).
CREATE TABLE reports (
    id            text PRIMARY KEY,
    tenant_id     text NOT NULL,
    user_id       text NOT NULL,
    persona       text NOT NULL CHECK (persona IN ('cfo', 'cto', 'finops', 'product')),
    language      text NOT NULL CHECK (language IN ('ru', 'en')),
    days          integer NOT NULL CHECK (days BETWEEN 1 AND 366),
    formats       text[] NOT NULL,
    status        text NOT NULL CHECK (status IN ('queued', 'running', 'ready', 'failed')),
    stage         text NOT NULL DEFAULT 'queued',
    progress      real NOT NULL DEFAULT 0,
    error         jsonb,
    files         jsonb NOT NULL DEFAULT '{}'::jsonb,   -- format -> {key, bytes, content_type}
    summary       jsonb,                                -- title, period, data date, sources, narrative
    session_id    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX reports_tenant_idx ON reports (tenant_id, created_at DESC);
