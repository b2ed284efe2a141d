/**
 * Names shared by the outbox's writers (triggers, application code) and readers (relay, listener), so the
 * table created by lib/db/migrations/<dialect>/003_outbox.sql and the code that uses it cannot drift apart.
 */

export const OUTBOX_TABLE = "tenant_sync_outbox";

/** PostgreSQL NOTIFY channel the triggers signal on; delivered at commit, so a listener wakes a relay. */
export const OUTBOX_CHANNEL = "tenant_sync_outbox";

export const OUTBOX_OPERATIONS = ["insert", "update", "delete"] as const;
export type OutboxOperation = (typeof OUTBOX_OPERATIONS)[number];
