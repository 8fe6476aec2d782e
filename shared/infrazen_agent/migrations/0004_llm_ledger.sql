-- The LLM usage ledger: one row per gateway call (success or failure), money in USD.
CREATE TABLE llm_calls (
    id                 bigserial PRIMARY KEY,
    created_at         timestamptz NOT NULL DEFAULT now(),
    tenant_id          text NOT NULL,
    user_id            text NOT NULL,
    scenario           text NOT NULL,
    session_id         text,
    turn_id            text,
    request_id         text,
    model              text NOT NULL,          -- the model that answered (or the last one tried)
    provider           text NOT NULL,
    streamed           boolean NOT NULL,
    prompt_tokens      integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens  integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    cost_usd           numeric(14, 8) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    cost_source        text NOT NULL,          -- provider | price_table | litellm | unknown
    ttft_ms            double precision,
    latency_ms         double precision NOT NULL,
    retries            integer NOT NULL DEFAULT 0,
    fallback_used      boolean NOT NULL DEFAULT false,
    models_tried       text[] NOT NULL DEFAULT '{}',
    outcome            text NOT NULL,          -- ok | error | stream_error | cancelled | unavailable
    error              text
);
CREATE INDEX llm_calls_tenant_day_idx ON llm_calls (tenant_id, created_at DESC);
CREATE INDEX llm_calls_session_idx ON llm_calls (session_id) WHERE session_id IS NOT NULL;
