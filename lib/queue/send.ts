import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { deduplicationId, tenantGroupId } from "./group-id.ts";
import type { TenantMessage } from "./message.ts";

export interface OutgoingMessage {
  message: TenantMessage;
  /** Same id within 5 minutes = delivered once (SQS FIFO deduplication window). */
  deduplicationId: string;
}

export interface SendResult {
  sent: OutgoingMessage[];
  failed: { outgoing: OutgoingMessage; reason: string }[];
}

const BATCH = 10; // SendMessageBatch takes at most 10 entries.

/**
 * Sends tenant messages to the FIFO queue, ten per request, preserving their order within each tenant.
 * Reports exactly which entries SQS accepted, so a caller marks only those as sent.
 */
export async function sendTenantMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
): Promise<SendResult> {
  const result: SendResult = { sent: [], failed: [] };
  for (let start = 0; start < messages.length; start += BATCH) {
    const batch = messages.slice(start, start + BATCH);
    try {
      const response = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((outgoing, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(outgoing.message),
            MessageGroupId: tenantGroupId(outgoing.message.tenant),
            MessageDeduplicationId: deduplicationId(outgoing.deduplicationId),
          })),
        }),
      );
      for (const ok of response.Successful ?? []) result.sent.push(batch[Number(ok.Id)] as OutgoingMessage);
      for (const bad of response.Failed ?? []) {
        result.failed.push({
          outgoing: batch[Number(bad.Id)] as OutgoingMessage,
          reason: `${bad.Code}: ${bad.Message}`,
        });
      }
    } catch (error) {
      for (const outgoing of batch) result.failed.push({ outgoing, reason: (error as Error).message });
    }
  }
  return result;
}
