-- Upload hygiene: one object per tenant and image (sha256), shared by the rows that upload it;
-- the quota sums a tenant's live objects.
CREATE INDEX uploads_tenant_sha_idx ON uploads (tenant_id, sha256) WHERE NOT quarantined;
CREATE INDEX uploads_object_idx ON uploads (object_key);
