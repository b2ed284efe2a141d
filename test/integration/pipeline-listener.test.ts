import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OutboxListener } from "../../lib/pipeline/outbox/outbox-listener.ts";
import { type OutboxFixture, outboxFixture } from "../support/outbox.ts";
import { eventually, stack } from "../support/stack.ts";

describe("outbox listener (postgres)", () => {
  let f: OutboxFixture;
  let reference: pg.Client;
  const payloads: string[] = [];
  const listeners: OutboxListener[] = [];

  beforeAll(async () => {
    f = await outboxFixture("postgres", "ts_listener");
    // A plain LISTEN next to the listener under test: it sees every notification on the channel, in order.
    reference = new pg.Client({ connectionString: f.scratch.url });
    await reference.connect();
    reference.on("notification", (message) => payloads.push(message.payload ?? ""));
    await reference.query("LISTEN tenant_sync_outbox");
  });
  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((listener) => listener.stop()));
    payloads.length = 0;
  });
  afterAll(async () => {
    await reference?.end();
    await f?.close();
  });

  async function listen(onNotify: () => Promise<void>, errors: Error[] = []): Promise<OutboxListener> {
    const listener = new OutboxListener({
      databaseUrl: f.scratch.url,
      onNotify,
      onError: (error) => errors.push(error),
      reconnectDelayMs: 50,
    });
    listeners.push(listener);
    await listener.start();
    return listener;
  }

  const insert = (key: string) => f.db.query("INSERT INTO tenants (id, plan) VALUES ($1, 'basic')", [key]);
  const probe = () => f.db.query("SELECT pg_notify('tenant_sync_outbox', 'probe')");

  it("fires after a committed insert and not for a rolled-back one", async () => {
    let runs = 0;
    const listener = await listen(async () => {
      runs++;
    });
    await insert("committed");
    await eventually("a run after the commit", async () => runs === 1);
    await expect(
      f.db.transaction(async (tx) => {
        await tx.query("INSERT INTO tenants (id, plan) VALUES ('rolled-back', 'basic')");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await probe();
    // Notifications arrive in commit order: the probe came after the rollback, and nothing before it.
    await eventually("the probe", async () => payloads.includes("probe"));
    expect(payloads).toEqual(["", "probe"]);
    await eventually("the listener to see the probe", async () => listener.notifications === 2);
    await listener.idle();
    expect(runs).toBe(2); // the commit's, and the probe's; none for the rollback
  });

  it("runs one at a time and folds notifications during a run into one more run", async () => {
    let active = 0;
    let mostActive = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const listener = await listen(async () => {
      runs++;
      active++;
      mostActive = Math.max(mostActive, active);
      if (runs === 1) await gate;
      active--;
    });
    await insert("first");
    await eventually("the first run", async () => runs === 1);
    for (const key of ["second", "third", "fourth", "fifth"]) await insert(key);
    await eventually("four notifications during the run", async () => listener.notifications === 5);
    release();
    await eventually("the queued run", async () => runs === 2);
    await listener.idle();
    expect(runs).toBe(2);
    expect(mostActive).toBe(1);
  });

  it("reconnects after losing its connection and runs once to catch up", async () => {
    let runs = 0;
    const errors: Error[] = [];
    const listener = await listen(async () => {
      runs++;
    }, errors);
    const { rows } = await f.db.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE application_name = 'tenant-sync-outbox-listener' AND datname = current_database()`,
    );
    expect(rows).toEqual([{ ended: true }]);
    // Notifications sent while it was away are lost, so a reconnect is followed by a run of its own.
    await eventually("the catch-up run after reconnecting", async () => runs === 1);
    expect(errors[0]?.message).toMatch(
      /^lost the outbox listener connection to postgres(ql)?:\/\/tenant_sync:\*\*\*@/,
    );
    expect(errors.map((error) => error.message).join("\n")).not.toContain("tenant-sync-local");
    await insert("after-reconnect");
    await eventually("a run after the reconnect", async () => runs === 2);
    expect(listener.notifications).toBe(1);
  });

  it("refuses a MySQL URL, and reports a first connection failure from start()", async () => {
    expect(() => new OutboxListener({ databaseUrl: stack().mariadbUrl, onNotify: async () => {} })).toThrow(
      /needs a PostgreSQL URL, got mysql:\/\/tenant_sync:\*\*\*@.*run the relay on a schedule there/,
    );
    const wrong = new URL(f.scratch.url);
    wrong.pathname = "/no_such_database";
    const listener = new OutboxListener({ databaseUrl: wrong.toString(), onNotify: async () => {} });
    await expect(listener.start()).rejects.toThrow(
      /cannot listen for outbox notifications on .*no_such_database/,
    );
  });
});
