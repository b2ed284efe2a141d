-- Progressive rollouts of template changes (lib/rollout, docs/rollout.md). Re-runnable (IF NOT EXISTS): MySQL
-- commits DDL on its own. Times are DATETIME(3) in UTC, like 001-004.

-- Every version of every template set a deployment has run, with its files' text ({"templateset.yaml": "...",
-- "<resource file>": "..."}), so tenants a rollout has not admitted yet can still be rendered with the version
-- they run after the deployment only ships the new files. Rows never change: a version is a hash of the text.
-- On MariaDB JSON is LONGTEXT with a json_valid check.
CREATE TABLE IF NOT EXISTS tenant_sync_template_versions (
  template_set VARCHAR(128) NOT NULL,
  version      VARCHAR(128) NOT NULL,
  files        JSON         NOT NULL,
  created_at   DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
  PRIMARY KEY (template_set, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per rollout of a set from one version to another, moved along by rolloutStep. wave_size is how many
-- tenants may be in progress at once; more than failure_threshold failed tenants halt the rollout.
CREATE TABLE IF NOT EXISTS tenant_sync_rollouts (
  id                BIGINT       NOT NULL AUTO_INCREMENT,
  template_set      VARCHAR(128) NOT NULL,
  from_version      VARCHAR(128) NOT NULL,
  to_version        VARCHAR(128) NOT NULL,
  state             VARCHAR(8)   NOT NULL,
  wave_size         INT          NOT NULL,
  failure_threshold INT          NOT NULL,
  -- The number of the last wave admitted (0 before the first).
  current_wave      INT          NOT NULL DEFAULT 0,
  created_at        DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
  updated_at        DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
  -- Why it halted or waits, or how it ended; NULL when there is nothing to say.
  message           TEXT         NULL,
  -- The set while the rollout is not Done, else NULL: the unique key then allows one unfinished rollout per
  -- set (two would pin tenants to different versions). MySQL has no partial indexes; NULLs never collide.
  active_set        VARCHAR(128) AS (IF(state <> 'Done', template_set, NULL)) STORED,
  PRIMARY KEY (id),
  UNIQUE KEY tenant_sync_rollouts_active_idx (active_set),
  CONSTRAINT tenant_sync_rollouts_state_check CHECK (state IN ('Running', 'Paused', 'Halted', 'Done')),
  CONSTRAINT tenant_sync_rollouts_counts_check
    CHECK (wave_size >= 1 AND failure_threshold >= 0 AND current_wave >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The tenants a rollout has admitted, and in which wave. Every other tenant on from_version stays there.
CREATE TABLE IF NOT EXISTS tenant_sync_rollout_tenants (
  rollout_id  BIGINT       NOT NULL,
  tenant_key  VARCHAR(255) NOT NULL,
  wave        INT          NOT NULL,
  admitted_at DATETIME(3)  NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
  PRIMARY KEY (rollout_id, tenant_key),
  CONSTRAINT tenant_sync_rollout_tenants_rollout_fk
    FOREIGN KEY (rollout_id) REFERENCES tenant_sync_rollouts (id) ON DELETE CASCADE,
  CONSTRAINT tenant_sync_rollout_tenants_wave_check CHECK (wave >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
