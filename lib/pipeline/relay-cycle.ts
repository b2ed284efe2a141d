/**
 * One relay invocation as the Lambda function and the local runner do it: send what waits in the outbox, then
 * trim what was sent long ago. Kept apart from the handler so it runs the same anywhere.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { ConfigError, type RuntimeConfig } from "../config.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { type RelayOptions, type RelayResult, relayOutbox, trimOutbox } from "./relay.ts";

/** Sent rows are kept a day: long enough to answer "was tenant K's change sent, and when?". */
export const DEFAULT_OUTBOX_RETENTION_SECONDS = 86_400;

export interface RelayResources {
  db: Database;
  sqs: SQSClient;
  queueUrl: string;
}

/** The pool and SQS client a relay reuses across invocations (a Lambda handles one event at a time). */
export function openRelayResources(config: RuntimeConfig): RelayResources {
  if (!config.queueUrl) {
    throw new ConfigError(
      "invalid configuration: TENANT_SYNC_QUEUE_URL is not set, so the relay has no queue to send outbox rows to",
    );
  }
  return {
    db: openDatabase(config.databaseUrl, { poolSize: config.dbPoolSize }),
    sqs: new SQSClient({}),
    queueUrl: config.queueUrl,
  };
}

export interface RelayCycleResult extends RelayResult {
  /** Sent rows deleted by trimming. */
  trimmed: number;
}

export async function relayCycle(
  resources: RelayResources,
  options: RelayOptions & { retentionSeconds?: number } = {},
): Promise<RelayCycleResult> {
  const { retentionSeconds = DEFAULT_OUTBOX_RETENTION_SECONDS, ...relayOptions } = options;
  const relayed = await relayOutbox(resources.db, resources.sqs, resources.queueUrl, relayOptions);
  // Bounded so trimming a large backlog never eats the time the next invocation needs for sending.
  const { deleted } = await trimOutbox(resources.db, { olderThanSeconds: retentionSeconds, maxChunks: 10 });
  return { ...relayed, trimmed: deleted };
}
