import {
  CreateQueueCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { uniqueName } from "./stack.ts";

/** FIFO queues a test file creates for itself (like the product's: no content-based dedup) and deletes after. */
export class TestQueues {
  private readonly sqs: SQSClient;
  private readonly urls: string[] = [];

  constructor(sqs: SQSClient) {
    this.sqs = sqs;
  }

  /** `attributes` add to or override the product's (e.g. a short VisibilityTimeout, a RedrivePolicy). */
  async create(prefix: string, attributes: Record<string, string> = {}): Promise<string> {
    const { QueueUrl } = await this.sqs.send(
      new CreateQueueCommand({
        QueueName: `${uniqueName(prefix)}.fifo`,
        Attributes: { FifoQueue: "true", ContentBasedDeduplication: "false", ...attributes },
      }),
    );
    if (!QueueUrl) throw new Error(`creating a FIFO queue for ${prefix} returned no URL`);
    this.urls.push(QueueUrl);
    return QueueUrl;
  }

  /** Receives (and deletes nothing) until `count` messages arrived or a short wait found no more. */
  async receive(queueUrl: string, count = 10): Promise<Message[]> {
    const messages: Message[] = [];
    for (let attempt = 0; attempt < 5 && messages.length < count; attempt++) {
      const { Messages } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 60,
          MessageSystemAttributeNames: ["MessageGroupId", "MessageDeduplicationId"],
        }),
      );
      if (!Messages?.length) break;
      messages.push(...Messages);
    }
    return messages;
  }

  async deleteAll(): Promise<void> {
    for (const url of this.urls.splice(0)) {
      await this.sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
    }
  }
}
