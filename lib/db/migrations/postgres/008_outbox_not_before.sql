-- Rechecks of tenants whose objects are applied but not ready yet (lib/engine/recheck.ts, docs/engine.md):
-- the sync writes an outbox row with operation 'recheck' and a not_before time, and the relay sends a row only
-- once its not_before has passed (NULL: at once, as every row written by the triggers). The wait is in the
-- database, not in a Lambda or in the queue: it survives restarts and never counts as a receive of a message.
ALTER TABLE tenant_sync_outbox ADD COLUMN IF NOT EXISTS not_before timestamptz(3);
ALTER TABLE tenant_sync_outbox DROP CONSTRAINT IF EXISTS tenant_sync_outbox_operation_check;
ALTER TABLE tenant_sync_outbox ADD CONSTRAINT tenant_sync_outbox_operation_check
  CHECK (operation IN ('insert', 'update', 'delete', 'recheck'));
-- The sync looks for a tenant's unsent recheck before writing another (outbox-recheck.ts): by tenant, among
-- the unsent rows only.
CREATE INDEX IF NOT EXISTS tenant_sync_outbox_unsent_tenant ON tenant_sync_outbox (tenant_key) WHERE sent_at IS NULL;
