import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import {
  type AppliedEntry,
  type InventoryEntry,
  readInventory,
  readInventoryForCluster,
  recordApplied,
  removeInventory,
} from "../../lib/db/inventory-store.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { createScratchDatabase, DIALECTS, type ScratchDatabase } from "../support/databases.ts";

const entry = (
  tenantKey: string,
  resourceId: string,
  overrides: Partial<AppliedEntry> = {},
): AppliedEntry => ({
  cluster: "local",
  tenantKey,
  templateSet: "base",
  resourceId,
  apiVersion: "apps/v1",
  kind: "Deployment",
  namespace: `tenant-${tenantKey}`,
  name: resourceId,
  contentHash: "sha256:1",
  deletionPolicy: "Delete",
  dependsOn: [],
  ...overrides,
});

describe.each(DIALECTS)("inventory store (%s)", (dialect) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeAll(async () => {
    scratch = await createScratchDatabase(dialect, "ts_inventory");
    db = openDatabase(scratch.url, { poolSize: 2 });
    await migrate(db);
  });

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it("records entries and reads them back", async () => {
    const appliedAt = "2024-03-04T05:06:07.089Z";
    await recordApplied(db, [
      entry("acme", "namespace", {
        apiVersion: "v1",
        kind: "Namespace",
        namespace: null,
        name: "tenant-acme",
      }),
      entry("acme", "web", { dependsOn: ["namespace", "config"], deletionPolicy: "Retain", appliedAt }),
      entry("acme", "config", { apiVersion: "v1", kind: "ConfigMap" }),
    ]);
    const rows = await readInventory(db, "acme");
    expect(rows.map((row) => row.resourceId)).toEqual(["config", "namespace", "web"]);
    expect(rows[1]).toMatchObject({ kind: "Namespace", namespace: "", dependsOn: [] });
    expect(rows[2]).toEqual({
      ...entry("acme", "web", { dependsOn: ["namespace", "config"], deletionPolicy: "Retain" }),
      appliedAt,
    });
    expect(rows[0]?.appliedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("replaces an entry on a second apply instead of adding one", async () => {
    await recordApplied(db, [entry("upd", "web")]);
    await recordApplied(db, [entry("upd", "web", { contentHash: "sha256:2", dependsOn: ["namespace"] })]);
    const rows = await readInventory(db, "upd");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ contentHash: "sha256:2", dependsOn: ["namespace"] });
  });

  it("removes chosen entries, in one cluster or in all", async () => {
    await recordApplied(db, [
      entry("rm", "a"),
      entry("rm", "b"),
      entry("rm", "c"),
      entry("rm", "a", { cluster: "other" }),
      entry("rm", "b", { cluster: "other" }),
      entry("keep", "a"),
    ]);
    expect(await removeInventory(db, "rm", [{ templateSet: "base", resourceId: "a" }])).toBe(2);
    expect(
      await removeInventory(db, "rm", [{ templateSet: "base", resourceId: "b", cluster: "other" }]),
    ).toBe(1);
    expect(await removeInventory(db, "rm", [{ templateSet: "other-set", resourceId: "c" }])).toBe(0);
    expect(await removeInventory(db, "rm", [])).toBe(0);
    expect((await readInventory(db, "rm")).map((row) => `${row.cluster}/${row.resourceId}`)).toEqual([
      "local/b",
      "local/c",
    ]);
    expect(await readInventory(db, "keep")).toHaveLength(1);
    expect((await readInventory(db, "rm", { cluster: "other" })).length).toBe(0);
  });

  it("lists one cluster's entries page by page in key order", async () => {
    const entries = Array.from({ length: 50 }, (_, index) =>
      entry(`page-${String(index % 10).padStart(2, "0")}`, `r-${String(index).padStart(2, "0")}`, {
        cluster: "paged",
      }),
    );
    await recordApplied(db, [...entries, entry("page-00", "elsewhere", { cluster: "not-paged" })]);
    const pages: InventoryEntry[][] = [];
    for await (const page of readInventoryForCluster(db, "paged", { pageSize: 7 })) pages.push(page);
    expect(pages).toHaveLength(Math.ceil(50 / 7));
    const keys = pages.flat().map((row) => `${row.tenantKey}/${row.resourceId}`);
    expect(keys).toEqual(entries.map((row) => `${row.tenantKey}/${row.resourceId}`).sort());
    expect(new Set(keys).size).toBe(50);
  });

  it("rejects bad entries, naming the entry and the value", async () => {
    await expect(
      recordApplied(db, [entry("bad", "web", { deletionPolicy: "Orphan" as never })]),
    ).rejects.toThrow(
      /tenant "bad", cluster "local", template set "base", resource "web": deletionPolicy "Orphan" is not Delete or Retain/,
    );
    await expect(
      recordApplied(db, [entry("bad", "web", { dependsOn: "namespace" as never })]),
    ).rejects.toThrow(/dependsOn must be an array of resource ids/);
    await expect(recordApplied(db, [entry("bad", "web"), entry("bad", "web")])).rejects.toThrow(
      /appears twice/,
    );
    expect(await readInventory(db, "bad")).toEqual([]);
  });
});
