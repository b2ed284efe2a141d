import { type RuntimeConfig, requireQueueUrl } from "../config.ts";
import { createLog } from "../log.ts";
import type { RelayResources } from "../pipeline/outbox/relay-cycle.ts";
import { RuntimeParts } from "./parts.ts";

/** The pool and SQS client a relay reuses across invocations (a Lambda handles one event at a time). */
export function openRelayResources(config: RuntimeConfig): RelayResources {
  const queueUrl = requireQueueUrl(config, "the relay sends outbox rows to it");
  const parts = new RuntimeParts(config, createLog("tenant-sync-relay"));
  return { db: parts.db, sqs: parts.sqs, queueUrl };
}
