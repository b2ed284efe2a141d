-- Row changes of the tenants table waiting to be put on the queue, written by the triggers that
-- lib/pipeline/triggers.ts installs, in the same transaction as the change. The relay sends unsent rows in id
-- order and sets sent_at once SQS accepted them; sent rows are kept a while (for inspection) and then trimmed.
-- Re-runnable (IF NOT EXISTS): MySQL commits DDL on its own. Times are DATETIME(3) in UTC, like 001/002. The
-- default is UTC_TIMESTAMP(3), not CURRENT_TIMESTAMP: triggers run in the application's session, whose time
-- zone tenant-sync does not control. (Expression defaults need MariaDB 10.2 or MySQL 8.0.13.)
CREATE TABLE IF NOT EXISTS tenant_sync_outbox (
  id          BIGINT       NOT NULL AUTO_INCREMENT,
  tenant_key  VARCHAR(255) NOT NULL,
  operation   VARCHAR(8)   NOT NULL,
  -- The configured source table (`tenants`, `app.tenants`), or whatever application code names its source.
  table_name  VARCHAR(128) NOT NULL,
  changed_at  DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
  sent_at     DATETIME(3)  NULL,
  PRIMARY KEY (id),
  -- InnoDB appends the primary key to every secondary index, so this is (sent_at, id): "sent_at IS NULL
  -- ORDER BY id" (the relay) reads it in order without sorting, and trimming ranges over sent_at.
  KEY tenant_sync_outbox_sent_idx (sent_at),
  CONSTRAINT tenant_sync_outbox_operation_check CHECK (operation IN ('insert', 'update', 'delete'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
