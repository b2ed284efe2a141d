-- Progressive rollouts of template changes (lib/rollout, docs/rollout.md).

-- Every version of every template set a deployment has run, with its files' text ({"templateset.yaml": "...",
-- "<resource file>": "..."}), so tenants a rollout has not admitted yet can still be rendered with the version
-- they run after the deployment only ships the new files. Rows never change: a version is a hash of the text.
CREATE TABLE IF NOT EXISTS tenant_sync_template_versions (
  template_set varchar(128)   NOT NULL,
  version      varchar(128)   NOT NULL,
  files        jsonb          NOT NULL CHECK (jsonb_typeof(files) = 'object'),
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (template_set, version)
);

-- One row per rollout of a set from one version to another, moved along by rolloutStep. wave_size is how many
-- tenants may be in progress at once; more than failure_threshold failed tenants halt the rollout.
CREATE TABLE IF NOT EXISTS tenant_sync_rollouts (
  id                bigserial      PRIMARY KEY,
  template_set      varchar(128)   NOT NULL,
  from_version      varchar(128)   NOT NULL,
  to_version        varchar(128)   NOT NULL,
  state             varchar(8)     NOT NULL CHECK (state IN ('Running', 'Paused', 'Halted', 'Done')),
  wave_size         integer        NOT NULL CHECK (wave_size >= 1),
  failure_threshold integer        NOT NULL CHECK (failure_threshold >= 0),
  -- The number of the last wave admitted (0 before the first).
  current_wave      integer        NOT NULL DEFAULT 0 CHECK (current_wave >= 0),
  created_at        timestamptz(3) NOT NULL DEFAULT now(),
  updated_at        timestamptz(3) NOT NULL DEFAULT now(),
  -- Why it halted or waits, or how it ended; NULL when there is nothing to say.
  message           text
);

-- At most one rollout per set that is not Done: two would pin tenants to different versions.
CREATE UNIQUE INDEX IF NOT EXISTS tenant_sync_rollouts_active_idx ON tenant_sync_rollouts (template_set)
  WHERE state <> 'Done';

-- The tenants a rollout has admitted, and in which wave. Every other tenant on from_version stays there.
CREATE TABLE IF NOT EXISTS tenant_sync_rollout_tenants (
  rollout_id  bigint         NOT NULL REFERENCES tenant_sync_rollouts (id) ON DELETE CASCADE,
  tenant_key  varchar(255)   NOT NULL,
  wave        integer        NOT NULL CHECK (wave >= 1),
  admitted_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (rollout_id, tenant_key)
);
