import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import type { Dialect } from "../../lib/db/dialect.ts";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { createTenantSource, type InvalidTenant, type TenantSource } from "../../lib/db/source.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { Engine } from "../../lib/engine/engine.ts";
import { createLog } from "../../lib/log.ts";
import { createScratchDatabase, DIALECTS, type ScratchDatabase } from "../support/databases.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { adminKubeConfig, stack, uniqueName } from "../support/stack.ts";
import { type SweepWorld, sweepWorld } from "../support/sweep.ts";

/** A view over `tenants` in which the given keys appear once more each (a key may be listed twice). */
const duplicatingView = (name: string, keys: string[]) =>
  `CREATE VIEW ${name} AS SELECT * FROM tenants
   ${keys.map((key) => `UNION ALL SELECT * FROM tenants WHERE id = '${key}'`).join("\n   ")}`;

/** The engine fixture's source, read through another table or view. */
const sourceOn = (db: Database, table: string): TenantSource =>
  createTenantSource(db, {
    table,
    keyColumn: "id",
    activeColumn: "active",
    clusterColumn: "cluster",
    defaultCluster: stack().clusterName,
  });

async function page(source: TenantSource, pageSize: number) {
  const invalid: InvalidTenant[] = [];
  const keys: string[] = [];
  for await (const records of source.pageTenants({ pageSize, onInvalid: (bad) => invalid.push(bad) })) {
    keys.push(...records.map((record) => record.key));
  }
  return { keys, invalid: invalid.map((bad) => [bad.key, bad.error.message]) };
}

describe.each(DIALECTS)("duplicate tenant keys in the source (%s)", (dialect) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeAll(async () => {
    scratch = await createScratchDatabase(dialect, "ts_dupkeys");
    db = openDatabase(scratch.url, { poolSize: 2 });
    await db.query("CREATE TABLE tenants (id varchar(64) PRIMARY KEY, plan varchar(32) NOT NULL)");
    await db.query(
      "INSERT INTO tenants (id, plan) VALUES ('a1', 'basic'), ('b1', 'basic'), ('c1', 'pro'), ('d1', 'basic'), ('e1', 'pro')",
    );
    // c1 three times, e1 (the last key) twice.
    await db.query(duplicatingView("v", ["c1", "c1", "e1"]));
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it("reports each duplicated key once as an invalid row naming the key, its count and the view, at any page size", async () => {
    const source = createTenantSource(db, { table: "v", keyColumn: "id", defaultCluster: "home" });
    // Page sizes that end pages before, inside and after the copies of a key, and one page for all.
    for (const pageSize of [1, 2, 3, 4, 500]) {
      const { keys, invalid } = await page(source, pageSize);
      expect(keys, `pageSize ${pageSize}`).toEqual(["a1", "b1", "d1"]);
      expect(invalid, `pageSize ${pageSize}`).toEqual([
        ["c1", expect.stringMatching(/key "c1" appears 3 times in "v"/)],
        ["e1", expect.stringMatching(/key "e1" appears 2 times in "v"/)],
      ]);
    }
  });

  it("ends a listing without onInvalid at the first duplicated key, and readTenant says the same", async () => {
    const source = createTenantSource(db, { table: "v", keyColumn: "id", defaultCluster: "home" });
    const listing = async () => {
      for await (const _ of source.pageTenants({ pageSize: 2 })) {
        // reading on
      }
    };
    await expect(listing()).rejects.toThrow(/key "c1" appears 3 times in "v"/);
    await expect(source.readTenant("e1")).rejects.toThrow(/key "e1" appears 2 times in "v"/);
  });
});

describe.each<[Dialect]>(DIALECTS)("a sweep over a duplicated key (%s)", (dialect) => {
  let w: SweepWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it("counts the key as an invalid row and protects its objects", async () => {
    w = await sweepWorld(dialect, "sw_dup");
    await w.provision("dup", "solo");
    await w.fixture.db.query(duplicatingView("v", ["dup"]));

    const result = await w.sweep({ dryRun: true }, { source: sourceOn(w.fixture.db, "v") });
    expect(result.outcome).toBe("DryRun");
    expect(result.counts).toMatchObject({ tenants: 2, invalidRows: 1, protected: 6, orphans: 0 });
    expect(result.plan.removals).toEqual([]);
  });
});

describe.each<[Dialect]>(DIALECTS)("the engine on a duplicated key (%s)", (dialect) => {
  let fixture: EngineFixture;
  const namespace = uniqueName("dupkeys");
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  /** A set of one ConfigMap in the test's namespace; `selector` is a YAML selector list, if any. */
  const configMapSet = (name: string, selector?: string) => ({
    "templateset.yaml": `name: ${name}
namespace: ${namespace}
${selector ? `selector: ${selector}\n` : ""}resources:
  - { id: config, file: config.yaml.mustache }
`,
    "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: "{{slug}}-${name}"
data:
  plan: "{{plan}}"
`,
  });

  beforeAll(async () => {
    fixture = await engineFixture(dialect, "ts_dupkeys_engine");
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    await fixture?.close();
  });

  it("records Failed only for the sets the tenant has or its rows select, and leaves no rows behind", async () => {
    const dir = writeSets({
      base: configMapSet("base"),
      pro: configMapSet("pro", "[{ column: plan, in: [pro] }]"),
    });
    const sets = await fixture.loadSets(dir);
    const engine = fixture.engine(sets);
    const throughView = new Engine({
      sets,
      db: fixture.db,
      source: sourceOn(fixture.db, "v"),
      clusters: fixture.clusters,
      log: createLog("tenant-sync-test"),
    });
    const phases = async (tenantKey: string) =>
      (await readStatus(fixture.db, { tenantKey }))
        .map((status) => [status.templateSet, status.phase, status.message])
        .sort();

    await fixture.insert({ id: "c1", slug: `c1-${namespace}`, plan: "basic" });
    expect((await engine.reconcile("c1")).sets.map((set) => set.phase)).toEqual(["Ready"]);
    // Never synced: one on the basic plan, one on pro.
    await fixture.insert({ id: "n1", slug: `n1-${namespace}`, plan: "basic" });
    await fixture.insert({ id: "n2", slug: `n2-${namespace}`, plan: "pro" });
    await fixture.db.query(duplicatingView("v", ["c1", "n1", "n2"]));

    expect((await throughView.reconcile("c1")).action).toBe("invalid");
    expect(await phases("c1")).toEqual([
      ["base", "Failed", expect.stringMatching(/key "c1" appears 2 times in "v"/)],
    ]);
    expect(await readInventory(fixture.db, "c1")).toHaveLength(1);
    await throughView.reconcile("n1");
    expect(await phases("n1")).toEqual([["base", "Failed", expect.stringMatching(/"n1" appears 2 times/)]]);
    await throughView.reconcile("n2");
    expect((await phases("n2")).map(([set, phase]) => [set, phase])).toEqual([
      ["base", "Failed"],
      ["pro", "Failed"],
    ]);

    // Fixed (read from the table again): the tenant's sets are Ready, and no other set has a row for it.
    await engine.reconcile("c1");
    expect(await phases("c1")).toEqual([["base", "Ready", null]]);
  });
});
