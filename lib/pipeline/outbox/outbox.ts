/**
 * Names shared by the outbox's writers (triggers, application code) and readers (relay, listener), so the
 * table created by lib/db/migrations/<dialect>/003_outbox.sql and the code that uses it cannot drift apart.
 */

export const OUTBOX_TABLE = "tenant_sync_outbox";

/** PostgreSQL NOTIFY channel the triggers signal on; delivered at commit, so a listener wakes a relay. */
export const OUTBOX_CHANNEL = "tenant_sync_outbox";

export const OUTBOX_OPERATIONS = ["insert", "update", "delete"] as const;
export type OutboxOperation = (typeof OUTBOX_OPERATIONS)[number];

/**
 * The operation of rows the sync writes itself (lib/pipeline/outbox/outbox-recheck.ts): "look at tenant K again once
 * not_before has passed", for objects applied but not ready yet. Never written by a trigger.
 */
export const RECHECK_OPERATION = "recheck";
