-- Action tools run only after the user confirms: a proposal (exact payload), a decision, an
-- execution, each audited. One row per action; `action_audit` keeps every stage.
CREATE TABLE actions (
    id           text PRIMARY KEY,
    tenant_id    text NOT NULL,
    user_id      text NOT NULL,
    session_id   text,
    turn_id      text,
    tool         text NOT NULL,
    payload      jsonb NOT NULL,
    preview      text NOT NULL,
    status       text NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'executed', 'failed')),
    result       jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    decided_at   timestamptz,
    executed_at  timestamptz
);
CREATE INDEX actions_session_idx ON actions (session_id, created_at DESC);

CREATE TABLE action_audit (
    id         bigserial PRIMARY KEY,
    action_id  text NOT NULL REFERENCES actions (id),
    tenant_id  text NOT NULL,
    user_id    text NOT NULL,
    stage      text NOT NULL CHECK (stage IN ('proposed', 'approved', 'rejected', 'executed', 'failed')),
    detail     jsonb,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_audit_action_idx ON action_audit (action_id, id);
