import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { sqsClient, stack, uniqueName } from "../support/stack.ts";

async function fifoQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name}.fifo`, Attributes: { FifoQueue: "true", ...attributes } }),
  );
  return QueueUrl as string;
}

async function receiveAll(sqs: SQSClient, queueUrl: string, visibility: number) {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: visibility,
      MessageSystemAttributeNames: ["MessageGroupId", "ApproximateReceiveCount"],
    }),
  );
  return Messages ?? [];
}

describe("local SQS (ElasticMQ)", () => {
  const sqs = sqsClient();
  const created: string[] = [];
  afterAll(async () => {
    for (const url of created) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
  });

  it("declares the product's FIFO queue with a dead-letter queue and redrive policy", async () => {
    const info = stack();
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: info.queueUrl, AttributeNames: ["All"] }),
    );
    expect(Attributes?.FifoQueue).toBe("true");
    const redrive = JSON.parse(Attributes?.RedrivePolicy ?? "{}");
    expect(redrive.deadLetterTargetArn).toMatch(/tenant-sync-dlq\.fifo$/);
    expect(Number(redrive.maxReceiveCount)).toBe(info.maxReceiveCount);
  });

  it("keeps order within a message group and drops a duplicate deduplication id", async () => {
    const url = await fifoQueue(sqs, uniqueName("order"));
    created.push(url);
    const send = (group: string, body: string, dedup: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: dedup,
        }),
      );
    for (let i = 1; i <= 5; i++) await send("tenant-a", `a${i}`, `a-${i}`);
    await send("tenant-a", "a3-again", "a-3");
    const seen: string[] = [];
    for (let attempt = 0; attempt < 10 && seen.length < 5; attempt++) {
      for (const message of await receiveAll(sqs, url, 30)) seen.push(message.Body as string);
    }
    expect(seen).toEqual(["a1", "a2", "a3", "a4", "a5"]);
  });

  it("moves a message to the dead-letter queue after maxReceiveCount receives", async () => {
    const dlqUrl = await fifoQueue(sqs, uniqueName("dlq"));
    created.push(dlqUrl);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
    );
    const url = await fifoQueue(sqs, uniqueName("work"), {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    created.push(url);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: "poison",
        MessageGroupId: "g",
        MessageDeduplicationId: "p1",
      }),
    );
    let receives = 0;
    for (let attempt = 0; attempt < 20 && receives < 2; attempt++) {
      // Never deleted: each receive is a failed processing attempt; a 1 s visibility timeout makes it reappear.
      receives += (await receiveAll(sqs, url, 1)).length;
    }
    expect(receives).toBe(2);
    const dead: string[] = [];
    for (let attempt = 0; attempt < 10 && dead.length === 0; attempt++) {
      expect(await receiveAll(sqs, url, 1)).toEqual([]);
      for (const message of await receiveAll(sqs, dlqUrl, 30)) dead.push(message.Body as string);
    }
    expect(dead).toEqual(["poison"]);
  });
});
