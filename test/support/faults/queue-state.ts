import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Database } from "../../../lib/db/database.ts";
import { parseTenantMessage } from "../../../lib/queue/message.ts";

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export async function unsentOutboxRows(db: Database): Promise<number> {
  const result = await db.query<{ n: number | string }>(
    "SELECT COUNT(*) AS n FROM tenant_sync_outbox WHERE sent_at IS NULL",
  );
  return Number(result.rows[0]?.n ?? 0);
}

/**
 * Waits until the pipeline has nothing left to do: no unsent outbox row, nothing on the queue, nothing in
 * flight, seen `stableChecks` times in a row (a reconcile that returns its message puts it back).
 */
export async function waitForPipelineIdle(
  db: Database,
  sqs: SQSClient,
  queueUrl: string,
  options: { timeoutMs: number; stableChecks?: number; onWait?: (state: string) => void },
): Promise<number> {
  const started = Date.now();
  let stable = 0;
  let lastReport = 0;
  for (;;) {
    let state: string;
    try {
      const [unsent, depth] = await Promise.all([unsentOutboxRows(db), queueDepth(sqs, queueUrl)]);
      const busy = unsent + depth.visible + depth.inFlight + depth.delayed;
      stable = busy === 0 ? stable + 1 : 0;
      state = `outbox unsent ${unsent}, queue ${depth.visible} visible / ${depth.inFlight} in flight`;
    } catch (error) {
      stable = 0;
      state = `cannot read: ${(error as Error).message}`;
    }
    if (stable >= (options.stableChecks ?? 3)) return Date.now() - started;
    if (Date.now() - started > options.timeoutMs) {
      throw new Error(`the pipeline did not settle in ${options.timeoutMs / 1000} s (${state})`);
    }
    if (Date.now() - lastReport > 10_000) {
      options.onWait?.(state);
      lastReport = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The dead-letter queue's messages (left there), with the tenants they named. */
export async function readDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
): Promise<{ messages: number; tenants: Set<string> }> {
  const seen = new Set<string>();
  const tenants = new Set<string>();
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        // Long enough that this read does not see the same message twice.
        VisibilityTimeout: 120,
      }),
    );
    if (Messages.length === 0) empty++;
    for (const message of Messages) {
      seen.add(message.MessageId as string);
      try {
        tenants.add(parseTenantMessage(message.Body ?? "").tenant);
      } catch {
        tenants.add("(unparsable)");
      }
    }
  }
  return { messages: seen.size, tenants };
}
