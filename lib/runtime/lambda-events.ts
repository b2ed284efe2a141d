import type { SQSEvent } from "aws-lambda";
import { z } from "zod";
import type { QueueRecord } from "../pipeline/sync/sync-batch.ts";
import { sweepRequestSchema } from "../sweep/request.ts";

/** An SQS batch as the sync consumer reads it (lib/pipeline/sync/sync-batch.ts). */
export function queueRecordsOf(event: SQSEvent): QueueRecord[] {
  return event.Records.map((record) => ({
    messageId: record.messageId,
    body: record.body,
    groupId: record.attributes.MessageGroupId ?? record.messageId,
    receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
  }));
}

/**
 * The sweep function's event (lib/sweep/request.ts): a schedule's event and no event are a plain run, else
 * the flags a person gives. Refused events are explained by parseSweepRequest.
 */
export const sweepEventSchema = z.union([
  z.looseObject({ source: z.literal("aws.events"), "detail-type": z.string() }).transform(() => ({})),
  z.union([z.null(), z.undefined()]).transform(() => ({})),
  sweepRequestSchema,
]);
