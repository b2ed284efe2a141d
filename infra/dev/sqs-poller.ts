import { setTimeout as sleep } from "node:timers/promises";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId
        ? { MessageDeduplicationId: attributes.MessageDeduplicationId }
        : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(":")[3] ?? "us-east-1",
  };
}

/**
 * What Lambda's SQS event source mapping does, on the local queue: long-poll, hand the batch to the handler
 * as an SQSEvent, delete what succeeded, and leave returned (or all, if the handler threw) messages to
 * reappear after their visibility timeout. `concurrency` pollers run like concurrent Lambda instances; the
 * FIFO queue never gives one message group to two of them at once.
 */
export class SqsPoller {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;
  private readonly handler: SqsHandler;
  private readonly onError: (error: Error) => void;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly aborts = new Set<AbortController>();
  batches = 0;
  messages = 0;

  constructor(options: {
    sqs: SQSClient;
    queueUrl: string;
    handler: SqsHandler;
    onError: (error: Error) => void;
  }) {
    this.sqs = options.sqs;
    this.queueUrl = options.queueUrl;
    this.handler = options.handler;
    this.onError = options.onError;
  }

  async start(concurrency: number, batchSize = 10): Promise<void> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queueArn = Attributes?.QueueArn ?? this.queueUrl;
    this.running = true;
    this.loops = Array.from({ length: concurrency }, () => this.loop(queueArn, batchSize));
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const abort of this.aborts) abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(queueArn: string, batchSize: number): Promise<void> {
    while (this.running) {
      const abort = new AbortController();
      this.aborts.add(abort);
      let messages: Message[] = [];
      try {
        const response = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: 5,
            MessageSystemAttributeNames: ["All"],
          }),
          { abortSignal: abort.signal },
        );
        messages = response.Messages ?? [];
      } catch (error) {
        if (!this.running) break;
        this.onError(error as Error);
        await sleep(500);
        continue;
      } finally {
        this.aborts.delete(abort);
      }
      if (messages.length === 0) continue;
      await this.deliver(messages, queueArn);
    }
  }

  private async deliver(messages: Message[], queueArn: string): Promise<void> {
    this.batches++;
    this.messages += messages.length;
    let failed: Set<string>;
    try {
      const response = await this.handler({ Records: messages.map((m) => toRecord(m, queueArn)) });
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      this.onError(error as Error);
      return;
    }
    const done = messages.filter((m) => !failed.has(m.MessageId as string));
    if (done.length === 0) return;
    await this.sqs
      .send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: done.map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle as string })),
        }),
      )
      .catch((error: Error) => this.onError(error));
  }
}
