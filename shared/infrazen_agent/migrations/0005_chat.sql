-- Chat: sessions and their durable transcripts. No foreign key to recommendations on purpose:
-- a transcript outlives the recommendation it was about (the old agent lost chats on delete).
CREATE TABLE chat_sessions (
    id                 text PRIMARY KEY,
    tenant_id          text NOT NULL,
    user_id            text NOT NULL,
    scope              text NOT NULL CHECK (scope IN ('recommendation', 'analytics')),
    recommendation_id  text,
    time_range         jsonb,
    page_context       jsonb,
    -- the existing InfraZen client reconnects to "its" session: one per (user, rec / range)
    legacy_key         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    CHECK (scope <> 'recommendation' OR recommendation_id IS NOT NULL)
);
CREATE INDEX chat_sessions_owner_idx ON chat_sessions (tenant_id, user_id, updated_at DESC);
CREATE UNIQUE INDEX chat_sessions_legacy_idx ON chat_sessions (tenant_id, user_id, legacy_key)
    WHERE legacy_key IS NOT NULL;

CREATE TABLE chat_messages (
    id                 text PRIMARY KEY,
    seq                bigserial NOT NULL,
    session_id         text NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
    tenant_id          text NOT NULL,
    turn_id            text NOT NULL,
    role               text NOT NULL CHECK (role IN ('user', 'assistant')),
    content            text NOT NULL,
    -- complete | cancelled | failed: what a turn produced is kept even when it did not finish
    status             text NOT NULL DEFAULT 'complete'
                       CHECK (status IN ('complete', 'cancelled', 'failed')),
    client_message_id  text,
    attachments        jsonb NOT NULL DEFAULT '[]',
    tool_calls         jsonb NOT NULL DEFAULT '[]',
    grounding          jsonb,
    usage              jsonb,
    model              text,
    mode               text,
    error              jsonb,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_session_idx ON chat_messages (session_id, seq);
CREATE INDEX chat_messages_tenant_idx ON chat_messages (tenant_id, created_at DESC);
-- Idempotency: a resent client_message_id finds the first one instead of starting a new turn.
CREATE UNIQUE INDEX chat_messages_client_id_idx ON chat_messages (session_id, client_message_id)
    WHERE role = 'user' AND client_message_id IS NOT NULL;
-- One answer per turn.
CREATE UNIQUE INDEX chat_messages_turn_role_idx ON chat_messages (turn_id, role);
