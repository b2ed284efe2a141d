import type { Context } from "aws-lambda";
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

// Time kept back from the Lambda timeout: a batch started just before it still gets to commit its marks.
const RELAY_SAFETY_MARGIN_MS = 15_000;

/** Epoch ms the relay starts no new batch after (its own margin, not the sync's: see relay-cycle.ts). */
export function relayDeadline(context: Pick<Context, "getRemainingTimeInMillis">): number {
  return Date.now() + context.getRemainingTimeInMillis() - RELAY_SAFETY_MARGIN_MS;
}
