-- Failed tenants the sweep retried (lib/sweep/retry.ts): how many retries so far, when the last one started,
-- and a fingerprint of the tenant's row and template versions then. Each further retry waits longer (back-off);
-- a changed fingerprint starts over at the first retry. The sweep removes a tenant's row once none of its
-- status rows is Failed or Conflicted any more. Re-runnable (IF NOT EXISTS); times are DATETIME(3) in UTC.
CREATE TABLE IF NOT EXISTS tenant_sync_retry (
  tenant_key    VARCHAR(255) NOT NULL,
  attempts      INT          NOT NULL,
  last_retry_at DATETIME(3)  NOT NULL,
  fingerprint   VARCHAR(64)  NOT NULL,
  PRIMARY KEY (tenant_key),
  CONSTRAINT tenant_sync_retry_attempts_check CHECK (attempts >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
