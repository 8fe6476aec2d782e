-- One row per tool call, whatever its outcome (the agent's and POST /v1/tools/{name}).
CREATE TABLE tool_calls (
    id           bigserial PRIMARY KEY,
    tool         text NOT NULL,
    version      integer NOT NULL,
    tenant_id    text NOT NULL,
    user_id      text NOT NULL,
    roles        text[] NOT NULL,
    is_demo      boolean NOT NULL,
    request_id   text,
    session_id   text,
    turn_id      text,
    arguments    jsonb,
    result       jsonb,
    truncated    boolean NOT NULL DEFAULT false,
    outcome      text NOT NULL CHECK (outcome IN ('ok', 'error')),
    error_code   text,
    latency_ms   double precision NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_calls_tenant_idx ON tool_calls (tenant_id, created_at DESC);
CREATE INDEX tool_calls_request_idx ON tool_calls (request_id) WHERE request_id IS NOT NULL;
