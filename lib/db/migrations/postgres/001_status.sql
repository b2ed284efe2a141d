-- One row per tenant and template set: what tenant-sync last did there, readable by applications with plain
-- SQL. Length limits match the MySQL schema, so a key accepted by one database is accepted by the other.
CREATE TABLE IF NOT EXISTS tenant_sync_status (
  tenant_key         varchar(255) NOT NULL,
  template_set       varchar(128) NOT NULL,
  phase              varchar(16)  NOT NULL
    CHECK (phase IN ('Pending', 'Progressing', 'Ready', 'Failed', 'Conflicted', 'Deleted', 'Held')),
  desired            integer      NOT NULL DEFAULT 0 CHECK (desired >= 0),
  ready              integer      NOT NULL DEFAULT 0 CHECK (ready >= 0),
  failed             integer      NOT NULL DEFAULT 0 CHECK (failed >= 0),
  skipped            integer      NOT NULL DEFAULT 0 CHECK (skipped >= 0),
  applied_hash       varchar(128),
  template_version   varchar(128),
  -- What went wrong and what to do about it; NULL when there is nothing to say.
  message            text,
  cluster            varchar(128),
  -- When the cluster was last looked at, when this row was last written, and when phase last changed.
  observed_at        timestamptz  NOT NULL DEFAULT now(),
  updated_at         timestamptz  NOT NULL DEFAULT now(),
  last_transition_at timestamptz  NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_key, template_set)
);

-- Dashboards and the summary count tenants per phase.
CREATE INDEX IF NOT EXISTS tenant_sync_status_phase_idx ON tenant_sync_status (phase);
