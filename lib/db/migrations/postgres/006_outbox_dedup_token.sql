-- A deduplication token per outbox row, unique for all time. The relay used `outbox-<id>` as the SQS
-- deduplication id, but ids come back: TRUNCATE ... RESTART IDENTITY, a restore from a snapshot, a point-in-time
-- recovery. A change whose id had been sent in the FIFO queue's 5-minute window was then dropped as a
-- duplicate. The relay now sends `outbox-<id>-<dedup_token>`: still the same for every send of one row (a retry
-- after a crash before marking stays deduplicated), never the same for two rows.
-- The default fills the column for the triggers and for application code that writes outbox rows itself, and,
-- being volatile, gives every row already in the table a token of its own while the column is added.
ALTER TABLE tenant_sync_outbox ADD COLUMN IF NOT EXISTS dedup_token uuid NOT NULL DEFAULT gen_random_uuid();
