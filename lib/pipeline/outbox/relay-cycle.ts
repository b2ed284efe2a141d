/**
 * One relay invocation as the Lambda function and the local runner do it: send what waits in the outbox, then
 * trim what was sent long ago. Kept apart from the handler so it runs the same anywhere.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Database } from "../../db/database.ts";
import type { Log } from "../../log.ts";
import { type RelayOptions, type RelayResult, relayOutbox, trimOutbox } from "./relay.ts";

/** Sent rows are kept a day: long enough to answer "was tenant K's change sent, and when?". */
export const DEFAULT_OUTBOX_RETENTION_SECONDS = 86_400;

/** What a relay works with; lib/runtime/relay.ts opens them. */
export interface RelayResources {
  db: Database;
  sqs: SQSClient;
  queueUrl: string;
}

export interface RelayCycleResult extends RelayResult {
  /** Sent rows deleted by trimming. */
  trimmed: number;
}

/** With `log`, the counts are logged in one line: a warning when rows failed or were dropped. */
export async function relayCycle(
  resources: RelayResources,
  options: RelayOptions & { retentionSeconds?: number; log?: Log } = {},
): Promise<RelayCycleResult> {
  const { retentionSeconds = DEFAULT_OUTBOX_RETENTION_SECONDS, log, ...relayOptions } = options;
  const relayed = await relayOutbox(resources.db, resources.sqs, resources.queueUrl, relayOptions);
  // Bounded so trimming a large backlog never eats the time the next invocation needs for sending.
  const { deleted } = await trimOutbox(resources.db, { olderThanSeconds: retentionSeconds, maxChunks: 10 });
  const result = { ...relayed, trimmed: deleted };
  log?.[result.failed > 0 || result.dropped > 0 ? "warn" : "info"]("outbox relayed", { ...result });
  return result;
}
