-- FinOps data model: the embedded default's copy of what InfraZen's internal API serves.
-- Money is always monthly (`*_monthly`, `monthly_*`) with an explicit currency; daily series are
-- per day. A tenant bills in one currency (tenants.currency); its rows carry it explicitly.

CREATE TABLE tenants (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id          text PRIMARY KEY,
    tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email       text NOT NULL,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('user', 'admin', 'super_admin', 'demouser')),
    language    text NOT NULL DEFAULT 'ru',
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    timezone    text NOT NULL DEFAULT 'Europe/Moscow',
    is_demo     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_tenant_idx ON users (tenant_id);

-- Connections never hold credentials here: the agent has no use for them.
CREATE TABLE provider_connections (
    id            bigint PRIMARY KEY,
    tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    provider      text NOT NULL CHECK (provider IN ('selectel', 'yandex', 'beget', 'vkcloud')),
    name          text NOT NULL,
    status        text NOT NULL DEFAULT 'ok',
    last_sync_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
);

CREATE TABLE resources (
    id             bigint PRIMARY KEY,
    tenant_id      text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id  bigint NOT NULL,
    provider       text NOT NULL,
    external_id    text NOT NULL,
    name           text NOT NULL,
    resource_type  text NOT NULL CHECK (resource_type IN (
                       'server', 'volume', 'snapshot', 'reserved_ip', 'load_balancer', 'storage',
                       'postgresql-cluster', 'mysql-cluster', 'redis-cluster', 'kafka-cluster',
                       'kubernetes-cluster')),
    service        text NOT NULL,
    region         text NOT NULL,
    geo            text NOT NULL,
    status         text NOT NULL CHECK (status IN ('running', 'stopped', 'active', 'unused')),
    vcpu           integer CHECK (vcpu > 0),
    ram_gb         numeric(8, 2) CHECK (ram_gb > 0),
    disk_gb        integer CHECK (disk_gb >= 0),
    disk_type      text CHECK (disk_type IN ('hdd', 'ssd', 'nvme')),
    cpu_class      text,
    nodes          integer NOT NULL DEFAULT 1 CHECK (nodes > 0),
    sku            text,
    monthly_cost   numeric(14, 2) NOT NULL CHECK (monthly_cost >= 0),
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    tags           jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    FOREIGN KEY (tenant_id, connection_id) REFERENCES provider_connections (tenant_id, id)
);
CREATE INDEX resources_tenant_type_idx ON resources (tenant_id, resource_type, status);

CREATE TABLE utilization_snapshots (
    id              bigserial PRIMARY KEY,
    tenant_id       text NOT NULL,
    resource_id     bigint NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    taken_at        timestamptz NOT NULL,
    window_days     integer NOT NULL CHECK (window_days > 0),
    status          text NOT NULL,
    cpu_avg_pct     numeric(5, 2) CHECK (cpu_avg_pct BETWEEN 0 AND 100),
    cpu_p95_pct     numeric(5, 2) CHECK (cpu_p95_pct BETWEEN 0 AND 100),
    ram_avg_pct     numeric(5, 2) CHECK (ram_avg_pct BETWEEN 0 AND 100),
    ram_p95_pct     numeric(5, 2) CHECK (ram_p95_pct BETWEEN 0 AND 100),
    net_in_gb       numeric(12, 3),
    net_out_gb      numeric(12, 3),
    state_changes   jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX snapshots_latest_idx ON utilization_snapshots (tenant_id, resource_id, taken_at DESC);

-- One catalog version is current at a time (the loader replaces it in one transaction).
-- kind keeps compute, DBaaS and Kubernetes apart; storage and network price cleanup targets.
CREATE TABLE price_catalog (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('compute', 'dbaas', 'kubernetes', 'storage', 'network')),
    provider      text NOT NULL,
    sku           text NOT NULL,
    region        text NOT NULL,
    geo           text NOT NULL,
    service       text NOT NULL,
    vcpu          integer,
    ram_gb        numeric(8, 2),
    disk_gb       integer,
    disk_type     text,
    cpu_class     text,
    billing_unit  text NOT NULL CHECK (billing_unit IN ('per_instance', 'per_node', 'per_cluster', 'per_gb', 'per_ip')),
    monthly_price numeric(14, 2) NOT NULL CHECK (monthly_price >= 0),
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    unit_prices   jsonb NOT NULL,
    source        text NOT NULL,
    version       text NOT NULL,
    UNIQUE (provider, sku)
);
CREATE INDEX price_candidates_idx ON price_catalog (kind, service, geo, currency, cpu_class, disk_type, vcpu, ram_gb);

CREATE TABLE recommendations (
    id               bigint PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    resource_id      bigint NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    rec_type         text NOT NULL CHECK (rec_type IN ('cross_provider_server', 'cross_provider_dbaas',
                         'rightsize_cpu', 'stopped_server', 'old_snapshot', 'unused_ip')),
    category         text NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'seen', 'snoozed', 'implemented', 'dismissed')),
    severity         text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    title            text NOT NULL,
    current_monthly  numeric(14, 2) NOT NULL,
    target_monthly   numeric(14, 2) NOT NULL,
    savings_monthly  numeric(14, 2) NOT NULL CHECK (savings_monthly > 0),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    target_provider  text,
    target_sku       text,
    target_region    text,
    target_quantity  numeric(12, 2) NOT NULL DEFAULT 1,
    confidence       numeric(3, 2) NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    rule             text NOT NULL,
    evidence         jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK (savings_monthly = current_monthly - target_monthly)
);
CREATE INDEX recommendations_tenant_idx ON recommendations (tenant_id, status, savings_monthly DESC);
CREATE INDEX recommendations_resource_idx ON recommendations (tenant_id, resource_id);

-- The canonical per-resource daily series, and its per-service rollup that analytics reads
-- (maintained by the loader; InfraZen's API serves the same aggregates).
CREATE TABLE cost_daily (
    tenant_id    text NOT NULL,
    resource_id  bigint NOT NULL,
    day          date NOT NULL,
    provider     text NOT NULL,
    service      text NOT NULL,
    amount       numeric(14, 4) NOT NULL CHECK (amount >= 0),
    currency     text NOT NULL,
    PRIMARY KEY (tenant_id, resource_id, day)
);

CREATE TABLE cost_daily_rollup (
    tenant_id  text NOT NULL,
    day        date NOT NULL,
    provider   text NOT NULL,
    service    text NOT NULL,
    amount     numeric(16, 4) NOT NULL,
    currency   text NOT NULL,
    resources  integer NOT NULL,
    PRIMARY KEY (tenant_id, day, provider, service)
);
