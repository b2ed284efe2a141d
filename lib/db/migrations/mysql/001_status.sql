-- One row per tenant and template set: what tenant-sync last did there, readable by applications with plain
-- SQL. MySQL DDL commits on its own, so each statement is safe to run again (IF NOT EXISTS) in case a
-- previous run stopped half-way. Times are DATETIME(3) in UTC (TIMESTAMP would stop at 2038 on MariaDB 10).
-- utf8mb4_bin keeps keys case- and accent-sensitive, as in PostgreSQL.
CREATE TABLE IF NOT EXISTS tenant_sync_status (
  tenant_key         VARCHAR(255) NOT NULL,
  template_set       VARCHAR(128) NOT NULL,
  phase              VARCHAR(16)  NOT NULL,
  desired            INT          NOT NULL DEFAULT 0,
  ready              INT          NOT NULL DEFAULT 0,
  failed             INT          NOT NULL DEFAULT 0,
  skipped            INT          NOT NULL DEFAULT 0,
  applied_hash       VARCHAR(128) NULL,
  template_version   VARCHAR(128) NULL,
  -- What went wrong and what to do about it; NULL when there is nothing to say.
  message            TEXT         NULL,
  cluster            VARCHAR(128) NULL,
  -- When the cluster was last looked at, when this row was last written, and when phase last changed.
  observed_at        DATETIME(3)  NOT NULL,
  updated_at         DATETIME(3)  NOT NULL,
  last_transition_at DATETIME(3)  NOT NULL,
  PRIMARY KEY (tenant_key, template_set),
  KEY tenant_sync_status_phase_idx (phase),
  CONSTRAINT tenant_sync_status_phase_check
    CHECK (phase IN ('Pending', 'Progressing', 'Ready', 'Failed', 'Conflicted', 'Deleted', 'Held')),
  CONSTRAINT tenant_sync_status_counts_check CHECK (desired >= 0 AND ready >= 0 AND failed >= 0 AND skipped >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
