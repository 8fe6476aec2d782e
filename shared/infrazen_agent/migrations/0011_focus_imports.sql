-- Bring your own bill: FOCUS billing imports (imports/). A file's rows are folded into days per
-- resource, service and charge category (focus_cost_lines, kept per file so that importing the same
-- file again replaces it); cost_daily_rollup, which analytics read, is rebuilt from them and the
-- demo's cost_daily for the days a file touches.

-- A bill names its own providers and resource kinds; credits make a day's net negative; FOCUS
-- costs carry many decimals (the sample has 11), kept to 10 instead of 4.
ALTER TABLE provider_connections DROP CONSTRAINT IF EXISTS provider_connections_provider_check;
ALTER TABLE provider_connections ADD CONSTRAINT provider_connections_provider_check
    CHECK (provider ~ '^[a-z0-9][a-z0-9_.-]{0,39}$');
ALTER TABLE resources DROP CONSTRAINT IF EXISTS resources_resource_type_check;
ALTER TABLE resources ADD CONSTRAINT resources_resource_type_check CHECK (resource_type IN (
    'server', 'volume', 'snapshot', 'reserved_ip', 'load_balancer', 'storage', 'postgresql-cluster',
    'mysql-cluster', 'redis-cluster', 'kafka-cluster', 'kubernetes-cluster', 'other'));
ALTER TABLE cost_daily DROP CONSTRAINT IF EXISTS cost_daily_amount_check;
ALTER TABLE cost_daily ALTER COLUMN amount TYPE numeric(20, 10);
ALTER TABLE cost_daily_rollup ALTER COLUMN amount TYPE numeric(22, 10);

-- Ids of imported connections and resources, far above the demo's.
CREATE SEQUENCE focus_ids START 1000000000000;

-- One row per (tenant, provider, key): '' is the provider's connection, '~<service>' the charges of
-- a service that name no resource (taxes, credits, support), anything else a FOCUS ResourceId.
CREATE TABLE focus_keys (
    tenant_id    text NOT NULL,
    provider     text NOT NULL,
    external_id  text NOT NULL,
    id           bigint NOT NULL DEFAULT nextval('focus_ids') UNIQUE,
    PRIMARY KEY (tenant_id, provider, external_id)
);

-- One import of one file: a job (CLI or API) with its progress and conformance report.
CREATE TABLE focus_imports (
    id            text PRIMARY KEY,
    tenant_id     text NOT NULL,
    user_id       text NOT NULL,
    source        text NOT NULL,                 -- the file's name (never a server path)
    sha256        text,
    cost_column   text NOT NULL CHECK (cost_column IN ('EffectiveCost', 'BilledCost', 'ListCost', 'ContractedCost')),
    skip_bad_rows boolean NOT NULL DEFAULT false,
    status        text NOT NULL CHECK (status IN ('queued', 'running', 'imported', 'rejected', 'failed')),
    stage         text NOT NULL DEFAULT 'queued',
    progress      real NOT NULL DEFAULT 0,
    rows_read     bigint NOT NULL DEFAULT 0,
    report        jsonb,
    error         jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX focus_imports_tenant_idx ON focus_imports (tenant_id, created_at DESC);

-- The files a tenant's data holds (by content): importing one again replaces its lines.
CREATE TABLE focus_files (
    tenant_id    text NOT NULL,
    sha256       text NOT NULL,
    import_id    text NOT NULL,
    cost_column  text NOT NULL,
    rows         bigint NOT NULL,
    first_day    date,
    last_day     date,
    imported_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sha256)
);

CREATE TABLE focus_cost_lines (
    tenant_id        text NOT NULL,
    sha256           text NOT NULL,
    key_id           bigint NOT NULL,
    day              date NOT NULL,
    provider         text NOT NULL,
    service          text NOT NULL,
    charge_category  text NOT NULL,
    currency         text NOT NULL,
    amount           numeric(24, 10) NOT NULL,
    rows             integer NOT NULL
);
CREATE INDEX focus_cost_lines_file_idx ON focus_cost_lines (tenant_id, sha256);
CREATE INDEX focus_cost_lines_day_idx ON focus_cost_lines (tenant_id, day);
