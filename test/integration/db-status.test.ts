import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import { migrate } from "../../lib/db/migrate.ts";
import {
  deleteStatus,
  PHASES,
  readStatus,
  type StatusRecord,
  statusSummary,
  upsertStatus,
} from "../../lib/db/status-store.ts";
import { createScratchDatabase, DIALECTS, type ScratchDatabase } from "../support/databases.ts";

const status = (tenantKey: string, overrides: Partial<StatusRecord> = {}): StatusRecord => ({
  tenantKey,
  templateSet: "base",
  phase: "Progressing",
  desired: 3,
  ready: 1,
  failed: 0,
  skipped: 0,
  appliedHash: "sha256:abc",
  templateVersion: "v1",
  message: null,
  cluster: "local",
  ...overrides,
});

const pause = () => new Promise((resolve) => setTimeout(resolve, 15));

describe.each(DIALECTS)("status store (%s)", (dialect) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeAll(async () => {
    scratch = await createScratchDatabase(dialect, "ts_status");
    db = openDatabase(scratch.url, { poolSize: 2 });
    await migrate(db);
  });

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it("inserts rows and reads them back with every field", async () => {
    const observedAt = "2024-05-06T07:08:09.123Z";
    const message =
      'Deployment "web" conflicts with field manager "kubectl": set conflict: Force or fix — ünïcode';
    await upsertStatus(db, [status("read-1", { phase: "Failed", failed: 1, message, observedAt })]);
    const [row] = await readStatus(db, { tenantKey: "read-1" });
    expect(row).toEqual({
      ...status("read-1", { phase: "Failed", failed: 1, message }),
      observedAt,
      updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      lastTransitionAt: expect.stringMatching(/Z$/),
    });
    expect(Math.abs(Date.parse(row?.updatedAt ?? "") - Date.now())).toBeLessThan(60_000);
  });

  it("keeps last_transition_at while the phase stays, and moves it when the phase changes", async () => {
    await upsertStatus(db, [status("move-1"), status("move-2")]);
    const [first1, first2] = await readStatus(db).then((rows) =>
      rows.filter((row) => row.tenantKey.startsWith("move-")),
    );
    await pause();
    // One batch: move-1 keeps its phase, move-2 changes it.
    await upsertStatus(db, [status("move-1", { ready: 2 }), status("move-2", { phase: "Ready", ready: 3 })]);
    const [second1, second2] = await readStatus(db).then((rows) =>
      rows.filter((row) => row.tenantKey.startsWith("move-")),
    );
    expect(second1?.ready).toBe(2);
    expect(second1?.lastTransitionAt).toBe(first1?.lastTransitionAt);
    expect(Date.parse(second1?.updatedAt ?? "")).toBeGreaterThan(Date.parse(first1?.updatedAt ?? ""));
    expect(second2?.phase).toBe("Ready");
    expect(Date.parse(second2?.lastTransitionAt ?? "")).toBeGreaterThan(
      Date.parse(first2?.lastTransitionAt ?? ""),
    );
    expect(second2?.lastTransitionAt).toBe(second2?.updatedAt);
    await pause();
    await upsertStatus(db, [status("move-2", { phase: "Ready", ready: 3, message: "still fine" })]);
    const [third2] = await readStatus(db, { tenantKey: "move-2" });
    expect(third2?.lastTransitionAt).toBe(second2?.lastTransitionAt);
    expect(third2?.message).toBe("still fine");
  });

  it("filters, deletes and summarises", async () => {
    await upsertStatus(db, [
      status("sum-1", { templateSet: "base", phase: "Ready" }),
      status("sum-1", { templateSet: "extras", phase: "Held" }),
      status("sum-2", { templateSet: "base", phase: "Ready" }),
    ]);
    expect((await readStatus(db, { tenantKey: "sum-1" })).map((row) => row.templateSet)).toEqual([
      "base",
      "extras",
    ]);
    expect((await readStatus(db, { templateSet: "extras" })).map((row) => row.tenantKey)).toEqual(["sum-1"]);
    expect(await readStatus(db, { tenantKey: "sum-1", templateSet: "base" })).toHaveLength(1);

    const before = await statusSummary(db);
    expect(Object.keys(before).sort()).toEqual([...PHASES].sort());
    expect(before.Held).toBe(1);
    expect(before.Conflicted).toBe(0);

    expect(await deleteStatus(db, "sum-1", "extras")).toBe(1);
    expect((await statusSummary(db)).Held).toBe(0);
    expect(await deleteStatus(db, "sum-1")).toBe(1);
    expect(await deleteStatus(db, "sum-1")).toBe(0);
    expect(await readStatus(db, { tenantKey: "sum-1" })).toEqual([]);
    expect(await readStatus(db, { tenantKey: "sum-2" })).toHaveLength(1);
  });

  it("writes a large batch in several statements", async () => {
    const rows = Array.from({ length: 1234 }, (_, index) => status(`bulk-${index}`, { phase: "Pending" }));
    await upsertStatus(db, rows);
    expect((await statusSummary(db)).Pending).toBe(1234);
  });

  it("rejects bad rows before writing any, naming the row and the value", async () => {
    await expect(
      upsertStatus(db, [status("bad-1"), status("bad-2", { phase: "Done" as never })]),
    ).rejects.toThrow(/tenant "bad-2", template set "base": phase "Done" is not one of Pending, Progressing/);
    await expect(upsertStatus(db, [status("bad-3", { ready: -1 })])).rejects.toThrow(
      /tenant "bad-3", template set "base": ready must be a non-negative integer, got -1/,
    );
    await expect(upsertStatus(db, [status("bad-4"), status("bad-4")])).rejects.toThrow(/appears twice/);
    await expect(upsertStatus(db, [status("x".repeat(256))])).rejects.toThrow(
      /tenantKey is 256 characters long/,
    );
    expect(await readStatus(db, { tenantKey: "bad-1" })).toEqual([]);
  });
});
