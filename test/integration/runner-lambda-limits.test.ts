import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LambdaFunction } from "../../infra/dev/lambda-function.ts";
import { LocalRunner } from "../../infra/dev/runner.ts";
import { createLog } from "../../lib/log.ts";
import { createScratchDatabase, type ScratchDatabase } from "../support/databases.ts";
import { TestQueues } from "../support/queues.ts";
import { eventually, sqsClient, stack } from "../support/stack.ts";

// The local runner runs each invocation as Lambda does: serverless.yml's timeout (shortened here, to
// compress time) and memorySize are enforced on an instance of its own, and a killed invocation's response
// is lost, so SQS gives its messages again after the visibility timeout.
const log = createLog("tenant-sync-test");
const fixtures = new URL("../support/lambda-fixtures.ts", import.meta.url);
const sqs = sqsClient();
const queues = new TestQueues(sqs);

describe("a Lambda instance of the local runner", () => {
  const functions: LambdaFunction[] = [];
  const fn = (factory: string, limits: { timeoutMs?: number; memoryMb?: number } = {}) => {
    const created = new LambdaFunction({
      name: "sync",
      handler: { module: fixtures, factory },
      env: process.env,
      log,
      ...limits,
    });
    functions.push(created);
    return created;
  };
  afterAll(async () => {
    for (const f of functions) await f.close();
  });

  it("runs a normal invocation whose remaining time counts down from the timeout", async () => {
    const clock = fn("createClockHandler", { timeoutMs: 5000 });
    const first = (await clock.invoke({ pauseMs: 300 })) as Record<string, number | string>;
    expect(first.before).toBeLessThanOrEqual(5000);
    expect(first.after).toBeLessThan(first.before as number);
    expect(first.memory).toBe("512");
    // Warm: the same instance, its state kept.
    expect(await clock.invoke({ pauseMs: 0 })).toMatchObject({ invocations: 2 });
    expect(clock.counts).toMatchObject({
      invocations: 2,
      coldStarts: 1,
      killed: { timeout: 0, "out-of-memory": 0 },
    });
  });

  it("never lengthens serverless.yml's limits", () => {
    const generous = fn("createClockHandler", { timeoutMs: 900_000, memoryMb: 10_240 });
    expect([generous.timeoutMs, generous.memoryMb]).toEqual([60_000, 512]);
  });

  it("kills an invocation past its timeout; the next one starts cold", async () => {
    const clock = fn("createClockHandler", { timeoutMs: 1000 });
    await expect(clock.invoke({ pauseMs: 60_000 })).rejects.toThrow(
      "sync: invocation killed (timeout): Task timed out after 1 seconds",
    );
    expect(await clock.invoke({ pauseMs: 0 })).toMatchObject({ invocations: 1 });
    expect(clock.counts).toMatchObject({ invocations: 2, coldStarts: 2, killed: { timeout: 1 } });
  });

  it("kills an instance whose heap grows past its memory; the next invocation starts cold", async () => {
    const hungry = fn("createHungryHandler", { memoryMb: 128 });
    await expect(hungry.invoke({ hungry: true })).rejects.toThrow(/invocation killed \(out-of-memory\)/);
    expect(await hungry.invoke({})).toEqual({ invocations: 1 });
    expect(hungry.counts).toMatchObject({ coldStarts: 2, killed: { "out-of-memory": 1, timeout: 0 } });
  });
});

describe("the local runner with a sync invocation that outlives its timeout", () => {
  let scratch: ScratchDatabase;
  let runner: LocalRunner;
  let queueUrl: string;
  let deadLetterUrl: string;

  beforeAll(async () => {
    const info = stack();
    // The relay runs beside sync, as in AWS: it needs a database, with nothing in its outbox.
    scratch = await createScratchDatabase("postgres", "runner_limits");
    deadLetterUrl = await queues.create("limits-dlq");
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ["QueueArn"] }),
    );
    queueUrl = await queues.create("limits", {
      VisibilityTimeout: "3",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    runner = new LocalRunner({
      log,
      syncConcurrency: 1,
      limits: { sync: { timeoutMs: 1500 } },
      syncHandler: { module: fixtures, factory: "createStuckHandler" },
      env: {
        ...process.env,
        TENANT_SYNC_DATABASE_URL: scratch.url,
        TENANT_SYNC_QUEUE_URL: queueUrl,
        TENANT_SYNC_SECRET_PREFIX: info.secretPrefix,
        TENANT_SYNC_DEFAULT_CLUSTER: info.clusterName,
      },
    });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await scratch?.drop();
    await queues.deleteAll();
  });

  it("loses the batch's response, so its messages come back after the visibility timeout, and counts the kills", async () => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: ["a", "b"].map((tenant) => ({
          Id: tenant,
          MessageBody: JSON.stringify({ tenant, reason: "insert", at: new Date().toISOString() }),
          MessageGroupId: tenant,
          MessageDeduplicationId: tenant,
        })),
      }),
    );
    // Neither deleted nor reported: each is received twice (two kills at least) and then dead-lettered.
    const dead = await eventually(
      "both messages in the dead-letter queue",
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: deadLetterUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 0,
            MessageSystemAttributeNames: ["ApproximateReceiveCount", "MessageGroupId"],
          }),
        );
        return (Messages?.length ?? 0) >= 2 ? Messages : undefined;
      },
      45_000,
    );
    expect(dead?.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(["a", "b"]);
    const { sync } = runner.invocations();
    expect(sync.killed.timeout).toBeGreaterThanOrEqual(2);
    expect(sync.killed.timeout).toBe(sync.invocations);
    expect(sync.coldStarts).toBe(sync.invocations);
  });
});
