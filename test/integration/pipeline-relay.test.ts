import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRelayHandler } from "../../functions/relay/handler.ts";
import { lambdaContext } from "../../infra/dev/lambda-context.ts";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import { claimUnsent, outboxMessage } from "../../lib/pipeline/outbox/outbox-store.ts";
import { relayOutbox, trimOutbox } from "../../lib/pipeline/outbox/relay.ts";
import { parseTenantMessage } from "../../lib/queue/message.ts";
import { type OutgoingMessage, sendTenantMessages } from "../../lib/queue/send.ts";
import { DIALECTS } from "../support/databases.ts";
import { type OutboxFixture, outboxFixture } from "../support/outbox.ts";
import { TestQueues } from "../support/queues.ts";
import { sqsClient } from "../support/stack.ts";

/** Receives and deletes until `expected` messages arrived, then once more to prove nothing else is there. */
async function drain(sqs: SQSClient, queueUrl: string, expected: number): Promise<Message[]> {
  const messages: Message[] = [];
  for (let empty = 0; empty < 3 && (messages.length < expected || empty === 0); ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 120,
        MessageSystemAttributeNames: ["MessageGroupId", "MessageDeduplicationId"],
      }),
    );
    if (Messages.length === 0) {
      empty++;
      continue;
    }
    messages.push(...Messages);
    // Deleting lets the next message of the same group (tenant) through.
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
      }),
    );
  }
  return messages;
}

/** An SQS client that records every deduplication id it sends, and can hold each request until released. */
function recordingClient(hold?: () => Promise<void>): { sqs: SQSClient; sentIds: string[] } {
  const sqs = sqsClient();
  const sentIds: string[] = [];
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Entries?: { MessageDeduplicationId?: string }[] };
      for (const entry of input.Entries ?? []) sentIds.push(entry.MessageDeduplicationId as string);
      await hold?.();
      return next(args);
    },
    { step: "initialize", name: "recordDeduplicationIds" },
  );
  return { sqs, sentIds };
}

const tenantsSql = (keys: string[]) =>
  `INSERT INTO tenants (id, plan) VALUES ${keys.map((key) => `('${key}', 'basic')`).join(", ")}`;

describe.each(DIALECTS)("outbox relay (%s)", (dialect) => {
  let f: OutboxFixture;
  const sqs = sqsClient();
  const queues = new TestQueues(sqs);
  let queueUrl: string;
  const extraPools: Database[] = [];

  beforeAll(async () => {
    f = await outboxFixture(dialect, "ts_relay");
  });
  afterAll(async () => {
    await Promise.all(extraPools.map((db) => db.close()));
    await f?.close();
    await queues.deleteAll();
  });
  beforeEach(async () => {
    await f.reset();
    queueUrl = await queues.create("relay");
  });

  it("sends in order with the tenant as group and the outbox row's id and token as dedup id, then marks rows sent", async () => {
    await f.db.query(tenantsSql(["a", "b"]));
    await f.db.query("UPDATE tenants SET plan = 'pro' WHERE id = 'a'");
    await f.db.query("DELETE FROM tenants WHERE id = 'b'");
    const rows = await f.outbox();
    expect(await relayOutbox(f.db, sqs, queueUrl)).toEqual({
      sent: 4,
      failed: 0,
      dropped: 0,
      batches: 1,
      problems: [],
    });
    const received = await drain(sqs, queueUrl, 4);
    const byTenant = (tenant: string) =>
      received
        .filter((m) => m.Attributes?.MessageGroupId === tenant)
        .map((m) => [parseTenantMessage(m.Body as string).reason, m.Attributes?.MessageDeduplicationId]);
    const dedup = (index: number) => `outbox-${rows[index]?.id}-${rows[index]?.dedup_token}`;
    // Rows: 0 insert a, 1 insert b (order of one multi-row insert), 2 update a, 3 delete b.
    const a = rows.findIndex((row) => row.tenant_key === "a" && row.operation === "insert");
    const b = rows.findIndex((row) => row.tenant_key === "b" && row.operation === "insert");
    expect(byTenant("a")).toEqual([
      ["insert", dedup(a)],
      ["update", dedup(2)],
    ]);
    expect(byTenant("b")).toEqual([
      ["insert", dedup(b)],
      ["delete", dedup(3)],
    ]);
    const message = parseTenantMessage(received[0]?.Body as string);
    const row = rows.find((r) => r.id === message.outboxId);
    expect(message).toEqual({
      tenant: row?.tenant_key,
      reason: row?.operation,
      at: row?.changed_at,
      outboxId: row?.id,
    });
    for (const sent of await f.outbox()) expect(sent.sent_at).toMatch(/^\d{4}-.*Z$/);
    expect(await relayOutbox(f.db, sqs, queueUrl)).toMatchObject({ sent: 0, batches: 1 });
  });

  it("loops over batches until one is short, or stops at maxBatches", async () => {
    await f.db.query(tenantsSql(["b1", "b2", "b3", "b4", "b5"]));
    expect(await relayOutbox(f.db, sqs, queueUrl, { batchSize: 2, maxBatches: 1 })).toMatchObject({
      sent: 2,
      batches: 1,
    });
    expect(await relayOutbox(f.db, sqs, queueUrl, { batchSize: 2 })).toMatchObject({ sent: 3, batches: 2 });
    expect((await f.outbox()).every((row) => row.sent_at !== null)).toBe(true);
    expect(await drain(sqs, queueUrl, 5)).toHaveLength(5);
  });

  it("leaves rows SQS did not accept unsent, for the next run", async () => {
    await f.db.query(tenantsSql(["f1", "f2"]));
    const missing = `${queueUrl.replace(/\.fifo$/, "")}-missing.fifo`;
    const failed = await relayOutbox(f.db, sqs, missing);
    expect(failed).toMatchObject({ sent: 0, failed: 2, batches: 1 });
    expect(failed.problems[0]).toMatch(/queue|exist/i);
    expect((await f.outbox()).map((row) => row.sent_at)).toEqual([null, null]);
    expect(await relayOutbox(f.db, sqs, queueUrl)).toMatchObject({ sent: 2, failed: 0 });
  });

  it("a crash between send and mark re-sends with the same dedup id, which SQS drops", async () => {
    await f.db.query(tenantsSql(["c1", "c2", "c3"]));
    // The relay's own steps, with the mark never committed: as if the process died after SQS accepted.
    await expect(
      f.db.transaction(async (tx) => {
        const claimed = await claimUnsent(tx, 100);
        const outgoing = claimed.map(outboxMessage) as OutgoingMessage[];
        expect((await sendTenantMessages(sqs, queueUrl, outgoing)).sent).toHaveLength(3);
        throw new Error("crash before marking");
      }),
    ).rejects.toThrow("crash before marking");
    expect((await f.outbox()).map((row) => row.sent_at)).toEqual([null, null, null]);
    // The next run sends them again (SQS accepts the call) and marks them.
    expect(await relayOutbox(f.db, sqs, queueUrl)).toMatchObject({ sent: 3, failed: 0 });
    // Same dedup id within 5 minutes: delivered once. (Were the duplicate delivered after the window, the
    // consumer would re-read the row and reconcile to the same state: duplicates are harmless by design.)
    const received = await drain(sqs, queueUrl, 3);
    expect(received.map((m) => parseTenantMessage(m.Body as string).tenant).sort()).toEqual([
      "c1",
      "c2",
      "c3",
    ]);
  });

  it("two relays at once send every row exactly once", async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(3, "0")}`);
    await f.db.query(tenantsSql(keys));
    const pools = [
      openDatabase(f.scratch.url, { poolSize: 2 }),
      openDatabase(f.scratch.url, { poolSize: 2 }),
    ];
    extraPools.push(...pools);
    // A short pause per SQS request keeps both relays busy at the same time.
    const slow = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
    const [one, two] = [recordingClient(slow), recordingClient(slow)];
    const results = await Promise.all([
      relayOutbox(pools[0] as Database, one.sqs, queueUrl, { batchSize: 20 }),
      relayOutbox(pools[1] as Database, two.sqs, queueUrl, { batchSize: 20 }),
    ]);
    expect(results.map((r) => r.failed)).toEqual([0, 0]);
    expect(results[0].sent + results[1].sent).toBe(200);
    // No row was sent by both: SKIP LOCKED gave them disjoint batches (SQS dedup would hide a double send,
    // so the sends themselves are counted).
    const sent = [...one.sentIds, ...two.sentIds];
    expect(sent).toHaveLength(200);
    expect(new Set(sent).size).toBe(200);
    const rows = await f.outbox();
    expect(rows.every((row) => row.sent_at !== null)).toBe(true);
    const received = await drain(sqs, queueUrl, 200);
    expect(received.map((m) => m.Attributes?.MessageDeduplicationId).sort()).toEqual(
      rows.map((row) => `outbox-${row.id}-${row.dedup_token}`).sort(),
    );
  });

  it("does not block writes to the tenants table while it holds a batch", async () => {
    await f.db.query(tenantsSql(["held"]));
    let entered!: () => void;
    const sending = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { sqs: held } = recordingClient(async () => {
      entered();
      await released;
    });
    const relay = relayOutbox(f.db, held, queueUrl);
    await sending;
    try {
      // The relay's transaction is open and holds its rows; a tenant write (and its trigger) must not wait.
      await f.db.withSession(async (session) => {
        await session.query(
          dialect === "postgres" ? "SET lock_timeout = '3s'" : "SET SESSION innodb_lock_wait_timeout = 3",
        );
        await session.query(tenantsSql(["during"]));
      });
    } finally {
      release();
    }
    expect(await relay).toMatchObject({ sent: 1, failed: 0 });
    expect((await f.outbox()).map((row) => [row.tenant_key, row.sent_at === null])).toEqual([
      ["held", false],
      ["during", true],
    ]);
  });

  it("drops (marks) rows that can never be a valid message, so they do not block the rest", async () => {
    await f.db.query(
      "INSERT INTO tenant_sync_outbox (tenant_key, operation, table_name) VALUES ('', 'insert', 'manual')",
    );
    await f.db.query(tenantsSql(["fine"]));
    const result = await relayOutbox(f.db, sqs, queueUrl);
    expect(result).toMatchObject({ sent: 1, dropped: 1, failed: 0 });
    expect(result.problems[0]).toMatch(/^outbox row \d+ is not a valid tenant message: tenant:/);
    expect((await f.outbox()).every((row) => row.sent_at !== null)).toBe(true);
  });

  it("trims only sent rows older than the retention, in chunks", async () => {
    await f.db.query(tenantsSql(["o1", "o2", "o3", "o4", "o5", "recent", "unsent"]));
    const past = dialect === "postgres" ? "now() - interval '2 hours'" : "UTC_TIMESTAMP(3) - INTERVAL 2 HOUR";
    const now = dialect === "postgres" ? "now()" : "UTC_TIMESTAMP(3)";
    await f.db.query(
      `UPDATE tenant_sync_outbox SET sent_at = ${past}, changed_at = ${past} WHERE tenant_key LIKE 'o%'`,
    );
    await f.db.query(`UPDATE tenant_sync_outbox SET sent_at = ${now} WHERE tenant_key = 'recent'`);
    await f.db.query(`UPDATE tenant_sync_outbox SET changed_at = ${past} WHERE tenant_key = 'unsent'`);
    expect(await trimOutbox(f.db, { olderThanSeconds: 3600, chunkSize: 2, maxChunks: 1 })).toEqual({
      deleted: 2,
    });
    expect(await trimOutbox(f.db, { olderThanSeconds: 3600, chunkSize: 2 })).toEqual({ deleted: 3 });
    expect((await f.outbox()).map((row) => row.tenant_key)).toEqual(["recent", "unsent"]);
    await expect(trimOutbox(f.db, { olderThanSeconds: -1 })).rejects.toThrow(/olderThanSeconds must be/);
  });

  it("runs as a Lambda handler: relays, trims and returns the counts", async () => {
    await f.db.query(tenantsSql(["lambda-1", "lambda-2"]));
    const handler = createRelayHandler({
      ...process.env,
      TENANT_SYNC_DATABASE_URL: f.scratch.url,
      TENANT_SYNC_QUEUE_URL: queueUrl,
    });
    expect(await handler({}, lambdaContext("tenant-sync-relay", 60_000))).toEqual({
      sent: 2,
      failed: 0,
      dropped: 0,
      batches: 1,
      problems: [],
      trimmed: 0,
    });
    expect(await drain(sqs, queueUrl, 2)).toHaveLength(2);
  });
});
