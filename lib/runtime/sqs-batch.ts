import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Engine } from "../engine/engine.ts";
import type { Log } from "../log.ts";
import { type BatchResult, processBatch } from "../pipeline/sync/sync-batch.ts";
import { invocationDeadline } from "./deadline.ts";
import { queueRecordsOf } from "./lambda-events.ts";

/**
 * One SQS batch reconciled by the invocation's deadline, and the partial-failure response Lambda reads
 * (ReportBatchItemFailures): the messages of tenants that must be tried again.
 */
export async function reconcileBatch(
  event: SQSEvent,
  context: Pick<Context, "getRemainingTimeInMillis">,
  engine: Pick<Engine, "reconcile">,
  log: Log,
): Promise<{ result: BatchResult; response: SQSBatchResponse }> {
  const deadline = invocationDeadline(context);
  const reconcile = (key: string) => engine.reconcile(key, { deadline });
  const result = await processBatch(queueRecordsOf(event), reconcile, log, { deadline });
  return {
    result,
    response: { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) },
  };
}
