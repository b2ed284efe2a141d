-- The sweep (lib/sweep): one row per run, written when the run starts and completed when it ends, so a run that
-- died shows as a row without finished_at. outcome is NULL while the run is going. Re-runnable (IF NOT EXISTS):
-- MySQL commits DDL on its own. Times are DATETIME(3) in UTC, like 001-003.
CREATE TABLE IF NOT EXISTS tenant_sync_sweep_runs (
  id               BIGINT       NOT NULL AUTO_INCREMENT,
  started_at       DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
  finished_at      DATETIME(3)  NULL,
  outcome          VARCHAR(8)   NULL,
  -- Who ran it (the lease holder id), so a run can be matched with its log lines.
  holder           VARCHAR(128) NOT NULL,
  -- Tenants read from the source, and rows that could not be read as tenants (left alone).
  tenants          INT          NOT NULL DEFAULT 0,
  invalid_rows     INT          NOT NULL DEFAULT 0,
  -- What the plan found, in objects.
  missing          INT          NOT NULL DEFAULT 0,
  drifted          INT          NOT NULL DEFAULT 0,
  deleted_by_hand  INT          NOT NULL DEFAULT 0,
  deep_drifted     INT          NOT NULL DEFAULT 0,
  orphans          INT          NOT NULL DEFAULT 0,
  -- What the run did: tenants enqueued (or reconciled inline) and orphaned objects removed.
  repaired_tenants INT          NOT NULL DEFAULT 0,
  removed          INT          NOT NULL DEFAULT 0,
  -- Why deletions were held back, with the numbers and how to override; NULL when nothing was held.
  held_reason      TEXT         NULL,
  -- What went wrong (outcome Failed), or which parts could not be swept.
  error            TEXT         NULL,
  -- The deep-check slice this run covered (see lib/sweep/deep-check.ts); the next run takes the next one.
  deep_slice       INT          NULL,
  duration_ms      INT          NULL,
  -- Every count of the run and the API requests by verb, as the run's log line has them.
  -- On MariaDB JSON is LONGTEXT with a json_valid check.
  details          JSON         NOT NULL,
  PRIMARY KEY (id),
  KEY tenant_sync_sweep_runs_started_idx (started_at),
  CONSTRAINT tenant_sync_sweep_runs_outcome_check
    CHECK (outcome IN ('Done', 'Held', 'Failed', 'DryRun', 'Skipped'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Named leases with expiry: the sweep holds 'sweep' while it runs, so two sweeps never act at once. A holder
-- that dies loses the lease when expires_at passes.
CREATE TABLE IF NOT EXISTS tenant_sync_lease (
  name        VARCHAR(64)  NOT NULL,
  holder      VARCHAR(128) NOT NULL,
  acquired_at DATETIME(3)  NOT NULL,
  expires_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
