-- Rechecks of tenants whose objects are applied but not ready yet (lib/engine/recheck.ts, docs/engine.md):
-- the sync writes an outbox row with operation 'recheck' and a not_before time, and the relay sends a row only
-- once its not_before has passed (NULL: at once, as every row written by the triggers). The wait is in the
-- database, not in a Lambda or in the queue: it survives restarts and never counts as a receive of a message.
-- Re-runnable: MySQL has no ADD COLUMN IF NOT EXISTS (MariaDB has), so the catalog decides whether to add it;
-- the operation check is dropped (if there) and added again with 'recheck' allowed. Times are DATETIME(3) in UTC.
SET @tenant_sync_008 = IF(
  EXISTS (SELECT 1 FROM information_schema.COLUMNS
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tenant_sync_outbox' AND COLUMN_NAME = 'not_before'),
  'DO 0',
  'ALTER TABLE tenant_sync_outbox ADD COLUMN not_before DATETIME(3) NULL');
PREPARE tenant_sync_008 FROM @tenant_sync_008;
EXECUTE tenant_sync_008;
DEALLOCATE PREPARE tenant_sync_008;
SET @tenant_sync_008 = IF(
  EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS
           WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'tenant_sync_outbox'
             AND CONSTRAINT_NAME = 'tenant_sync_outbox_operation_check'),
  'ALTER TABLE tenant_sync_outbox DROP CONSTRAINT tenant_sync_outbox_operation_check',
  'DO 0');
PREPARE tenant_sync_008 FROM @tenant_sync_008;
EXECUTE tenant_sync_008;
DEALLOCATE PREPARE tenant_sync_008;
ALTER TABLE tenant_sync_outbox ADD CONSTRAINT tenant_sync_outbox_operation_check
  CHECK (operation IN ('insert', 'update', 'delete', 'recheck'));
-- The sync looks for a tenant's unsent recheck before writing another (outbox-recheck.ts): by tenant and sent_at.
SET @tenant_sync_008 = IF(
  EXISTS (SELECT 1 FROM information_schema.STATISTICS
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tenant_sync_outbox'
             AND INDEX_NAME = 'tenant_sync_outbox_unsent_tenant'),
  'DO 0',
  'CREATE INDEX tenant_sync_outbox_unsent_tenant ON tenant_sync_outbox (tenant_key, sent_at)');
PREPARE tenant_sync_008 FROM @tenant_sync_008;
EXECUTE tenant_sync_008;
DEALLOCATE PREPARE tenant_sync_008;
