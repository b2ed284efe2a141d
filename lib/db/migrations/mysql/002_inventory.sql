-- What tenant-sync applied, per cluster, tenant, template set and resource: the list pruning and teardown
-- work from. namespace is '' for cluster-scoped objects. The key columns' lengths keep the primary key
-- within InnoDB's 3072-byte limit in utf8mb4; PostgreSQL uses the same limits.
CREATE TABLE IF NOT EXISTS tenant_sync_inventory (
  cluster         VARCHAR(128) NOT NULL,
  tenant_key      VARCHAR(255) NOT NULL,
  template_set    VARCHAR(128) NOT NULL,
  resource_id     VARCHAR(128) NOT NULL,
  api_version     VARCHAR(320) NOT NULL,
  kind            VARCHAR(128) NOT NULL,
  namespace       VARCHAR(63)  NOT NULL DEFAULT '',
  name            VARCHAR(253) NOT NULL,
  content_hash    VARCHAR(128) NOT NULL,
  deletion_policy VARCHAR(8)   NOT NULL,
  -- Resource ids this one depends on (JSON array), so teardown can run in reverse dependency order.
  -- On MariaDB JSON is LONGTEXT with a json_valid check.
  depends_on      JSON         NOT NULL,
  applied_at      DATETIME(3)  NOT NULL,
  PRIMARY KEY (cluster, tenant_key, template_set, resource_id),
  KEY tenant_sync_inventory_tenant_idx (tenant_key),
  CONSTRAINT tenant_sync_inventory_policy_check CHECK (deletion_policy IN ('Delete', 'Retain'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
