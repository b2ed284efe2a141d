import { ConfigError, type RuntimeConfig } from "../config.ts";
import { createLog } from "../log.ts";
import type { RelayResources } from "../pipeline/outbox/relay-cycle.ts";
import { RuntimeParts } from "./parts.ts";

/** The pool and SQS client a relay reuses across invocations (a Lambda handles one event at a time). */
export function openRelayResources(config: RuntimeConfig): RelayResources {
  if (!config.queueUrl) {
    throw new ConfigError(
      "invalid configuration: TENANT_SYNC_QUEUE_URL is not set, so the relay has no queue to send outbox rows to",
    );
  }
  const parts = new RuntimeParts(config, createLog("tenant-sync-relay"));
  return { db: parts.db, sqs: parts.sqs, queueUrl: config.queueUrl };
}
