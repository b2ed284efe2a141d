/**
 * The relay: moves unsent tenant_sync_outbox rows onto the SQS FIFO queue (trimOutbox, re-exported here,
 * deletes rows sent long ago).
 *
 * No lost change: a row is marked sent only after SQS accepted its message, in the transaction that locked
 * it; rows SQS refused, and every row of a batch whose transaction failed, stay unsent for the next run.
 * No harmful duplicate: concurrent relays lock disjoint rows (SKIP LOCKED); a row re-sent after a crash
 * between send and commit carries the same dedup id (`outbox-<id>-<token>`) and SQS drops it within 5 minutes; past
 * that the consumer re-reads the row anyway, so a duplicate only costs one idempotent reconcile.
 * Order: each batch is sent in id order, so one tenant's messages keep their order within a run. Concurrent
 * relays can interleave a tenant's messages across batches; harmless, since a message only says "tenant K may
 * have changed" and the consumer reconciles to the row as it is now.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Database, Queryable } from "../../db/queryable.ts";
import { TenantSyncError } from "../../errors.ts";
import { type OutgoingMessage, sendTenantMessages } from "../../queue/send.ts";
import { withOutboxConnection } from "./outbox-connection.ts";
import { claimUnsent, markSent, outboxMessage } from "./outbox-store.ts";

export { type TrimOptions, trimOutbox } from "./outbox-trim.ts";

export interface RelayOptions {
  /** Rows per transaction (default 100); SQS takes them ten per request. */
  batchSize?: number;
  /** Stop after this many batches even if more rows wait (bounds one run; the next run goes on). */
  maxBatches?: number;
  /** Epoch milliseconds after which no new batch starts (a Lambda's remaining time). */
  deadline?: number;
}

export interface RelayResult {
  /** Rows SQS accepted and that are now marked sent. */
  sent: number;
  /** Rows SQS refused (or could not be reached for); still unsent, retried by the next run. */
  failed: number;
  /** Rows that can never be a valid message (see outboxMessage): marked sent so they stop blocking. */
  dropped: number;
  batches: number;
  /** Distinct reasons for failed and dropped rows (at most 5), for the log. */
  problems: string[];
}

const MAX_PROBLEMS = 5;

export async function relayOutbox(
  db: Database,
  sqs: SQSClient,
  queueUrl: string,
  options: RelayOptions = {},
): Promise<RelayResult> {
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new TenantSyncError(`relayOutbox: batchSize must be an integer from 1 to 10000, got ${batchSize}`);
  }
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  if (!(maxBatches >= 1))
    throw new TenantSyncError(`relayOutbox: maxBatches must be at least 1, got ${maxBatches}`);
  const result: RelayResult = { sent: 0, failed: 0, dropped: 0, batches: 0, problems: [] };
  try {
    await withOutboxConnection(db, async (conn) => {
      for (;;) {
        const batch = await conn.transaction((tx) => relayBatch(tx, sqs, queueUrl, batchSize));
        result.batches++;
        result.sent += batch.sent;
        result.failed += batch.failed;
        result.dropped += batch.dropped;
        for (const problem of batch.problems) {
          if (result.problems.length < MAX_PROBLEMS && !result.problems.includes(problem)) {
            result.problems.push(problem);
          }
        }
        // A short batch means the outbox is drained. After a failure the same rows would come straight
        // back: leave them to the next run rather than hammering a queue that is refusing them.
        if (batch.claimed < batchSize || batch.failed > 0) break;
        if (result.batches >= maxBatches) break;
        // Checked after a batch, not before: every run makes progress, however little time it was given.
        if (options.deadline !== undefined && Date.now() > options.deadline) break;
      }
    });
  } catch (error) {
    throw new TenantSyncError(
      `relaying tenant_sync_outbox from ${db.location} failed after ${result.sent} sent row(s): ` +
        (error as Error).message,
      { cause: error },
    );
  }
  return result;
}

interface BatchResult {
  claimed: number;
  sent: number;
  failed: number;
  dropped: number;
  problems: string[];
}

/** One transaction: lock a batch, send it, mark what SQS accepted (and what can never be sent). */
async function relayBatch(
  tx: Queryable,
  sqs: SQSClient,
  queueUrl: string,
  limit: number,
): Promise<BatchResult> {
  const entries = await claimUnsent(tx, limit);
  const outgoing: OutgoingMessage[] = [];
  const droppedIds: string[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    const message = outboxMessage(entry);
    if ("invalid" in message) {
      droppedIds.push(entry.id);
      problems.push(message.invalid);
    } else outgoing.push(message);
  }
  const { sent, failed } =
    outgoing.length > 0 ? await sendTenantMessages(sqs, queueUrl, outgoing) : { sent: [], failed: [] };
  for (const failure of failed) problems.push(failure.reason);
  const sentIds = sent.map((entry) => entry.message.outboxId as string);
  await markSent(tx, [...sentIds, ...droppedIds]);
  return {
    claimed: entries.length,
    sent: sentIds.length,
    failed: failed.length,
    dropped: droppedIds.length,
    problems,
  };
}
