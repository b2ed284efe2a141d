-- The sweep (lib/sweep): one row per run, written when the run starts and completed when it ends, so a run that
-- died shows as a row without finished_at. outcome is NULL while the run is going.
CREATE TABLE IF NOT EXISTS tenant_sync_sweep_runs (
  id               bigserial    PRIMARY KEY,
  started_at       timestamptz(3) NOT NULL DEFAULT now(),
  finished_at      timestamptz(3),
  outcome          varchar(8)
    CHECK (outcome IN ('Done', 'Held', 'Failed', 'DryRun', 'Skipped')),
  -- Who ran it (the lease holder id), so a run can be matched with its log lines.
  holder           varchar(128) NOT NULL,
  -- Tenants read from the source, and rows that could not be read as tenants (left alone).
  tenants          integer      NOT NULL DEFAULT 0,
  invalid_rows     integer      NOT NULL DEFAULT 0,
  -- What the plan found, in objects.
  missing          integer      NOT NULL DEFAULT 0,
  drifted          integer      NOT NULL DEFAULT 0,
  deleted_by_hand  integer      NOT NULL DEFAULT 0,
  deep_drifted     integer      NOT NULL DEFAULT 0,
  orphans          integer      NOT NULL DEFAULT 0,
  -- What the run did: tenants enqueued (or reconciled inline) and orphaned objects removed.
  repaired_tenants integer      NOT NULL DEFAULT 0,
  removed          integer      NOT NULL DEFAULT 0,
  -- Why deletions were held back, with the numbers and how to override; NULL when nothing was held.
  held_reason      text,
  -- What went wrong (outcome Failed), or which parts could not be swept.
  error            text,
  -- The deep-check slice this run covered (see lib/sweep/deep-check.ts); the next run takes the next one.
  deep_slice       integer,
  duration_ms      integer,
  -- Every count of the run and the API requests by verb, as the run's log line has them.
  details          jsonb        NOT NULL DEFAULT '{}'
);

CREATE INDEX IF NOT EXISTS tenant_sync_sweep_runs_started_idx ON tenant_sync_sweep_runs (started_at);

-- Named leases with expiry: the sweep holds 'sweep' while it runs, so two sweeps never act at once. A holder
-- that dies loses the lease when expires_at passes.
CREATE TABLE IF NOT EXISTS tenant_sync_lease (
  name        varchar(64)  PRIMARY KEY,
  holder      varchar(128) NOT NULL,
  acquired_at timestamptz(3) NOT NULL,
  expires_at  timestamptz(3) NOT NULL
);
