-- Row changes of the tenants table waiting to be put on the queue, written by the triggers that
-- lib/pipeline/triggers.ts installs, in the same transaction as the change. The relay sends unsent rows in id
-- order and sets sent_at once SQS accepted them; sent rows are kept a while (for inspection) and then trimmed.
CREATE TABLE IF NOT EXISTS tenant_sync_outbox (
  id          bigserial    PRIMARY KEY,
  tenant_key  varchar(255) NOT NULL,
  operation   varchar(8)   NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
  -- The configured source table (`tenants`, `app.tenants`), or whatever application code names its source.
  table_name  varchar(128) NOT NULL,
  -- Transaction start of the change (now()); timestamptz is an instant, read back as UTC.
  changed_at  timestamptz(3) NOT NULL DEFAULT now(),
  sent_at     timestamptz(3)
);

-- The relay's "unsent, oldest first": unsent rows are few at any time, so this partial index stays tiny.
CREATE INDEX IF NOT EXISTS tenant_sync_outbox_unsent_idx ON tenant_sync_outbox (id) WHERE sent_at IS NULL;
-- Trimming deletes sent rows older than the retention.
CREATE INDEX IF NOT EXISTS tenant_sync_outbox_sent_idx ON tenant_sync_outbox (sent_at) WHERE sent_at IS NOT NULL;
