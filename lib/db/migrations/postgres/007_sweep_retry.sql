-- Failed tenants the sweep retried (lib/sweep/retry.ts): how many retries so far, when the last one started,
-- and a fingerprint of the tenant's row and template versions then. Each further retry waits longer (back-off);
-- a changed fingerprint starts over at the first retry. The sweep removes a tenant's row once none of its
-- status rows is Failed or Conflicted any more.
CREATE TABLE IF NOT EXISTS tenant_sync_retry (
  tenant_key    varchar(255)   PRIMARY KEY,
  attempts      integer        NOT NULL CHECK (attempts >= 1),
  last_retry_at timestamptz(3) NOT NULL,
  fingerprint   varchar(64)    NOT NULL
);
