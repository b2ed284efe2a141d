// What the function handlers (functions/*) use of the composition root.
export { invocationDeadline } from "./deadline.ts";
export { queueRecordsOf } from "./lambda-events.ts";
export { addSweepMetrics, addSyncMetrics, functionMetrics } from "./metrics.ts";
export { requestParser } from "./middleware/request-parser.ts";
export { runtimePart } from "./middleware/runtime-part.ts";
export { webhookErrors } from "./middleware/webhook-errors.ts";
export { openRelayResources, relayDeadline } from "./relay.ts";
export { createRuntime, type MakeRuntime, type Runtime, runtimeFromEnv } from "./runtime.ts";
export { reconcileBatch } from "./sqs-batch.ts";
export { httpResultOf, openWebhook, webhookRequestOf } from "./webhook.ts";
