/**
 * The relay's SQL on tenant_sync_outbox, the same text for PostgreSQL and MySQL/MariaDB ≥ 10.6 where
 * possible. Ids are carried as strings: BIGINT values past 2^53 must not be rounded into another row's id.
 */

import { issueLines } from "../../config-parse.ts";
import { SqlParams } from "../../db/params.ts";
import type { Queryable } from "../../db/queryable.ts";
import { timeText } from "../../db/store-values.ts";
import { type TenantMessage, tenantMessageSchema } from "../../queue/message.ts";
import type { OutgoingMessage } from "../../queue/send.ts";
import { OUTBOX_TABLE, type OutboxOperation, type RECHECK_OPERATION } from "./outbox.ts";

export interface OutboxEntry {
  id: string;
  tenantKey: string;
  operation: OutboxOperation | typeof RECHECK_OPERATION;
  tableName: string;
  /** ISO 8601, UTC. */
  changedAt: string;
  /** Random per row (migration 006), so the deduplication id stays unique when ids come back. */
  dedupToken: string;
}

/**
 * Locks and returns up to `limit` unsent rows that are due (no not_before, or one that has passed: rechecks
 * wait there, migration 008), oldest first. SKIP LOCKED passes over rows another relay holds, so concurrent
 * relays take disjoint batches instead of waiting for (and then re-sending) each other's. The not_before test
 * filters what the unsent index yields, and unsent rows are few (changes in flight, tenants being rechecked).
 * Must run inside a transaction: the locks last until it ends.
 */
export async function claimUnsent(tx: Queryable, limit: number): Promise<OutboxEntry[]> {
  const now = tx.dialect === "postgres" ? "now()" : "UTC_TIMESTAMP(3)";
  const { rows } = await tx.query(
    `SELECT id, tenant_key, operation, table_name, changed_at, dedup_token FROM ${OUTBOX_TABLE}
      WHERE sent_at IS NULL AND (not_before IS NULL OR not_before <= ${now})
      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map((row) => ({
    id: String(row.id),
    tenantKey: String(row.tenant_key),
    operation: row.operation as OutboxEntry["operation"],
    tableName: String(row.table_name),
    changedAt: timeText(row.changed_at),
    dedupToken: String(row.dedup_token),
  }));
}

/** Sets sent_at on the given (claimed) rows; returns how many changed. */
export async function markSent(tx: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const params = new SqlParams();
  const list = ids.map((id) => params.add(id)).join(", ");
  // clock_timestamp(), not now(): the moment SQS had accepted them, not when the relay's transaction began.
  const now = tx.dialect === "postgres" ? "clock_timestamp()" : "UTC_TIMESTAMP(3)";
  const { rowCount } = await tx.query(
    `UPDATE ${OUTBOX_TABLE} SET sent_at = ${now} WHERE id IN (${list}) AND sent_at IS NULL`,
    params.values,
  );
  return rowCount;
}

/** Deletes up to `limit` rows sent more than `olderThanSeconds` ago (database clock); returns how many. */
export async function deleteSentBefore(
  db: Queryable,
  olderThanSeconds: number,
  limit: number,
): Promise<number> {
  const params = new SqlParams();
  const sql =
    db.dialect === "postgres"
      ? `DELETE FROM ${OUTBOX_TABLE} WHERE id IN (
           SELECT id FROM ${OUTBOX_TABLE}
            WHERE sent_at < now() - make_interval(secs => ${params.add(olderThanSeconds)})
            ORDER BY sent_at LIMIT ${params.add(limit)})`
      : `DELETE FROM ${OUTBOX_TABLE}
          WHERE sent_at < UTC_TIMESTAMP(3) - INTERVAL ${params.add(olderThanSeconds)} SECOND
          ORDER BY sent_at LIMIT ${params.add(limit)}`;
  const { rowCount } = await db.query(sql, params.values);
  return rowCount;
}

/**
 * The queue message for an outbox row, or the reason it cannot be one (a key longer than the message allows,
 * an operation written by hand that is not insert/update/delete). The dedup id is the row's id and token: a
 * row sent twice within SQS's 5-minute window (relay crashed between send and mark) is delivered once, and a
 * later row that got an id again (outbox truncated, database restored) is never taken for it.
 */
export function outboxMessage(entry: OutboxEntry): OutgoingMessage | { invalid: string } {
  const candidate: TenantMessage = {
    tenant: entry.tenantKey,
    reason: entry.operation,
    at: entry.changedAt,
    outboxId: entry.id,
  };
  const parsed = tenantMessageSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = issueLines(parsed.error);
    return { invalid: `outbox row ${entry.id} is not a valid tenant message: ${problems.join("; ")}` };
  }
  return { message: parsed.data, deduplicationId: `outbox-${entry.id}-${entry.dedupToken}` };
}
