import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../lib/db/database.ts";
import { openDatabase } from "../../lib/db/database.ts";
import type { Dialect } from "../../lib/db/dialect.ts";
import { listMigrations, migrate } from "../../lib/db/migrate.ts";
import { claimUnsent, outboxMessage } from "../../lib/pipeline/outbox/outbox-store.ts";
import { relayOutbox } from "../../lib/pipeline/outbox/relay.ts";
import { parseTenantMessage } from "../../lib/queue/message.ts";
import { type OutgoingMessage, sendTenantMessages } from "../../lib/queue/send.ts";
import { createScratchDatabase, DIALECTS } from "../support/databases.ts";
import { type OutboxFixture, outboxFixture } from "../support/outbox.ts";
import { TestQueues } from "../support/queues.ts";
import { sqsClient } from "../support/stack.ts";

/** Empties the outbox and starts its ids again from 1, as a restore or a point-in-time recovery can. */
const TRUNCATE_OUTBOX: Record<Dialect, string> = {
  postgres: "TRUNCATE tenant_sync_outbox RESTART IDENTITY",
  mysql: "TRUNCATE tenant_sync_outbox",
};

const insertTenants = (db: Database, keys: string[]) =>
  db.query(`INSERT INTO tenants (id, plan) VALUES ${keys.map((key) => `('${key}', 'basic')`).join(", ")}`);

/** Outbox rows as a writer that predates migration 006 (or application code) inserts them. */
const insertOutboxRows = (db: Database, keys: string[]) =>
  db.query(
    `INSERT INTO tenant_sync_outbox (tenant_key, operation, table_name)
       VALUES ${keys.map((key) => `('${key}', 'insert', 'tenants')`).join(", ")}`,
  );

/** The deduplication ids the relay would send for the unsent rows now, without marking anything. */
const dedupIds = (db: Database) =>
  db.transaction(async (tx) =>
    (await claimUnsent(tx, 100)).map((entry) => (outboxMessage(entry) as OutgoingMessage).deduplicationId),
  );

describe.each(DIALECTS)("outbox deduplication ids (%s)", (dialect) => {
  let f: OutboxFixture;
  const sqs = sqsClient();
  const queues = new TestQueues(sqs);
  let queueUrl: string;

  /** The tenants of every message on the queue (asks for more than expected, so extra ones would show). */
  const deliveredTenants = async (expected: number) =>
    (await queues.receive(queueUrl, expected + 1))
      .map((message) => parseTenantMessage(message.Body as string).tenant)
      .sort();

  beforeAll(async () => {
    f = await outboxFixture(dialect, "ts_dedup");
  });
  afterAll(async () => {
    await f?.close();
    await queues.deleteAll();
  });
  beforeEach(async () => {
    await f.reset();
    await f.db.query(TRUNCATE_OUTBOX[dialect]);
    queueUrl = await queues.create("dedup");
  });

  it("delivers changes whose outbox ids were used before, within the queue's 5-minute window", async () => {
    await insertTenants(f.db, ["before-1", "before-2", "before-3"]);
    const sentRows = await f.outbox();
    expect(await relayOutbox(f.db, sqs, queueUrl)).toMatchObject({ sent: 3, failed: 0 });

    await f.db.query(TRUNCATE_OUTBOX[dialect]);
    await insertTenants(f.db, ["after-1", "after-2", "after-3"]);
    // The new changes got the ids of rows sent a moment ago.
    expect((await f.outbox()).map((row) => row.id)).toEqual(sentRows.map((row) => row.id));
    expect(await relayOutbox(f.db, sqs, queueUrl)).toMatchObject({ sent: 3, failed: 0 });

    expect(await deliveredTenants(6)).toEqual([
      "after-1",
      "after-2",
      "after-3",
      "before-1",
      "before-2",
      "before-3",
    ]);
  });

  it("still delivers a row once when the relay sends it again because it died before marking it", async () => {
    await insertTenants(f.db, ["crash-1", "crash-2"]);
    await expect(
      f.db.transaction(async (tx) => {
        const outgoing = (await claimUnsent(tx, 100)).map(outboxMessage) as OutgoingMessage[];
        expect((await sendTenantMessages(sqs, queueUrl, outgoing)).sent).toHaveLength(2);
        throw new Error("crash before marking");
      }),
    ).rejects.toThrow("crash before marking");
    expect((await f.outbox()).map((row) => row.sent_at)).toEqual([null, null]);

    expect(await relayOutbox(f.db, sqs, queueUrl)).toMatchObject({ sent: 2, failed: 0 });
    expect(await deliveredTenants(2)).toEqual(["crash-1", "crash-2"]);
  });

  it("gives rows written before migration 006 unique ids that stay the same until sent", async () => {
    const scratch = await createScratchDatabase(dialect, "ts_dedup_upgrade");
    const db = openDatabase(scratch.url, { poolSize: 2 });
    const earlier = await fs.mkdtemp(path.join(os.tmpdir(), "tenant-sync-migrations-"));
    try {
      for (const migration of await listMigrations(dialect)) {
        if (migration.id < "006")
          await fs.writeFile(path.join(earlier, `${migration.id}.sql`), migration.sql);
      }
      await migrate(db, { directory: earlier });
      await insertOutboxRows(db, ["old-1", "old-2"]);
      await migrate(db);

      const ids = await dedupIds(db);
      expect(new Set(ids).size).toBe(2);
      expect(await dedupIds(db)).toEqual(ids);
      expect(await relayOutbox(db, sqs, queueUrl)).toMatchObject({ sent: 2, failed: 0 });

      await db.query(TRUNCATE_OUTBOX[dialect]);
      await insertOutboxRows(db, ["new-1", "new-2"]);
      expect(await relayOutbox(db, sqs, queueUrl)).toMatchObject({ sent: 2, failed: 0 });
      expect(await deliveredTenants(4)).toEqual(["new-1", "new-2", "old-1", "old-2"]);
    } finally {
      await fs.rm(earlier, { recursive: true, force: true });
      await db.close();
      await scratch.drop();
    }
  });
});
