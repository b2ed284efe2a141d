import type { Context } from "aws-lambda";
import { type RuntimeConfig, requireQueueUrl } from "../config.ts";
import { createLog } from "../log.ts";
import type { RelayResources } from "../pipeline/outbox/relay-cycle.ts";
import { invocationDeadline } from "./deadline.ts";
import { RuntimeParts } from "./parts.ts";

/** The pool and SQS client a relay reuses across invocations (a Lambda handles one event at a time). */
export function openRelayResources(config: RuntimeConfig): RelayResources {
  const queueUrl = requireQueueUrl(config, "the relay sends outbox rows to it");
  const parts = new RuntimeParts(config, createLog("tenant-sync-relay"));
  return { db: parts.db, sqs: parts.sqs, queueUrl };
}

// The relay's own margin: a batch started just before the deadline still gets to commit its marks.
const RELAY_MARGIN = { minMs: 15_000, share: 0 } as const;

/** Epoch ms the relay starts no new batch after. */
export function relayDeadline(context: Pick<Context, "getRemainingTimeInMillis">): number {
  return invocationDeadline(context, RELAY_MARGIN);
}
