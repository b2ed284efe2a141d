import type { SQSEvent } from "aws-lambda";
import type { QueueRecord } from "../pipeline/sync/sync-batch.ts";

/** An SQS batch as the sync consumer reads it (lib/pipeline/sync/sync-batch.ts). */
export function queueRecordsOf(event: SQSEvent): QueueRecord[] {
  return event.Records.map((record) => ({
    messageId: record.messageId,
    body: record.body,
    groupId: record.attributes.MessageGroupId ?? record.messageId,
    receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
  }));
}
