-- What tenant-sync applied, per cluster, tenant, template set and resource: the list pruning and teardown
-- work from. namespace is '' for cluster-scoped objects (not NULL, so equality and the primary key stay simple).
CREATE TABLE IF NOT EXISTS tenant_sync_inventory (
  cluster         varchar(128) NOT NULL,
  tenant_key      varchar(255) NOT NULL,
  template_set    varchar(128) NOT NULL,
  resource_id     varchar(128) NOT NULL,
  api_version     varchar(320) NOT NULL,
  kind            varchar(128) NOT NULL,
  namespace       varchar(63)  NOT NULL DEFAULT '',
  name            varchar(253) NOT NULL,
  content_hash    varchar(128) NOT NULL,
  deletion_policy varchar(8)   NOT NULL CHECK (deletion_policy IN ('Delete', 'Retain')),
  -- Resource ids this one depends on (JSON array), so teardown can run in reverse dependency order.
  depends_on      jsonb        NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(depends_on) = 'array'),
  applied_at      timestamptz  NOT NULL DEFAULT now(),
  PRIMARY KEY (cluster, tenant_key, template_set, resource_id)
);

CREATE INDEX IF NOT EXISTS tenant_sync_inventory_tenant_idx ON tenant_sync_inventory (tenant_key);
