-- Uploads sent without a token (the InfraZen browser client sends none) are quarantined: no
-- tenant, readable by nobody, until the first authenticated chat turn that references one
-- claims it for its tenant and user, for good.
ALTER TABLE uploads
    ADD COLUMN quarantined boolean NOT NULL DEFAULT false,
    ADD COLUMN claimed_at  timestamptz;
CREATE INDEX uploads_quarantine_idx ON uploads (expires_at) WHERE quarantined;
