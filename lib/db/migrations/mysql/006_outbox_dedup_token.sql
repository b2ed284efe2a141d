-- A deduplication token per outbox row, unique for all time. The relay used `outbox-<id>` as the SQS
-- deduplication id, but ids come back: TRUNCATE resets AUTO_INCREMENT, and so can a restore from a snapshot or a
-- point-in-time recovery. A change whose id had been sent in the FIFO queue's 5-minute window was then dropped
-- as a duplicate. The relay now sends `outbox-<id>-<dedup_token>`: still the same for every send of one row (a
-- retry after a crash before marking stays deduplicated), never the same for two rows.
-- The default fills the column for the triggers and for application code that writes outbox rows itself, and
-- is evaluated for each row already in the table while the column is added, so those get tokens of their own.
-- Re-runnable: MySQL has no ADD COLUMN IF NOT EXISTS (MariaDB has), so the catalog decides whether to add it.
-- Expression defaults need MariaDB 10.2 or MySQL 8.0.13, like 003.
SET @tenant_sync_006 = IF(
  EXISTS (SELECT 1 FROM information_schema.COLUMNS
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tenant_sync_outbox' AND COLUMN_NAME = 'dedup_token'),
  'DO 0',
  'ALTER TABLE tenant_sync_outbox ADD COLUMN dedup_token CHAR(36) NOT NULL DEFAULT (UUID())');
PREPARE tenant_sync_006 FROM @tenant_sync_006;
EXECUTE tenant_sync_006;
DEALLOCATE PREPARE tenant_sync_006;
