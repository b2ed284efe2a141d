import type { SQSClient } from "@aws-sdk/client-sqs";
import { type OutgoingMessage, type SendResult, sendTenantMessages } from "./send.ts";

/** Where a feature that enqueues tenants sends them: the deployment's FIFO queue (sendTenantMessages). */
export interface TenantQueue {
  send(messages: readonly OutgoingMessage[]): Promise<SendResult>;
}

export function sqsTenantQueue(sqs: SQSClient, queueUrl: string): TenantQueue {
  return { send: (messages) => sendTenantMessages(sqs, queueUrl, messages) };
}
