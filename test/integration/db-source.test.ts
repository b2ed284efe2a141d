import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import { InvalidIdentifierError } from "../../lib/db/identifiers.ts";
import { SqlParams } from "../../lib/db/params.ts";
import {
  createTenantSource,
  type InvalidTenant,
  type TenantRecord,
  TenantRowError,
  TenantSourceError,
} from "../../lib/db/source.ts";
import { readSourceShape } from "../../lib/db/source-columns.ts";
import { createScratchDatabase, DIALECTS, type ScratchDatabase } from "../support/databases.ts";

const TENANTS_DDL = {
  postgres: `CREATE TABLE tenants (
      id varchar(64) PRIMARY KEY, replicas integer, quota bigint, huge bigint, enabled boolean, settings jsonb,
      created_at timestamptz, birthday date, note text, region varchar(32), active_word varchar(16),
      active_num smallint, raw_json text)`,
  mysql: `CREATE TABLE tenants (
      id varchar(64) PRIMARY KEY, replicas int, quota bigint, huge bigint, enabled boolean, settings json,
      created_at datetime(3), birthday date, note text, region varchar(32), active_word varchar(16),
      active_num smallint, raw_json text)`,
};

const COLUMNS = [
  "id",
  "replicas",
  "quota",
  "huge",
  "enabled",
  "settings",
  "created_at",
  "birthday",
  "note",
  "region",
  "active_word",
  "active_num",
  "raw_json",
];

async function insertTenant(db: Database, values: unknown[]): Promise<void> {
  // JSON goes in as text and times as Date objects: both drivers bind those the same way.
  const params = new SqlParams();
  await db.query(`INSERT INTO tenants (${COLUMNS.join(", ")}) VALUES ${params.row(values)}`, params.values);
}

describe.each(DIALECTS)("tenant source (%s)", (dialect) => {
  let scratch: ScratchDatabase;
  let db: Database;
  const base = { table: "tenants", keyColumn: "id", defaultCluster: "home" };

  beforeAll(async () => {
    scratch = await createScratchDatabase(dialect, "ts_source");
    db = openDatabase(scratch.url, { poolSize: 3 });
    await db.query(TENANTS_DDL[dialect]);
    const at = new Date("2024-01-02T03:04:05.678Z");
    const settings = JSON.stringify({ tier: "gold", limits: { cpu: 2 }, tags: ["a", "b"] });
    await insertTenant(db, [
      "acme",
      3,
      5_000_000_000,
      "9223372036854775807",
      true,
      settings,
      at,
      "1990-02-28",
      null,
      "eu-1",
      "Yes",
      1,
      '{"x":1}',
    ]);
    await insertTenant(db, ["b-off", 1, 1, 1, false, "{}", at, null, "", null, "no", 0, null]);
    await insertTenant(db, ["c-bad", 1, 1, 1, null, "{}", at, null, null, "", "maybe", 2, null]);
  });

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it("reads one tenant with the columns' own types", async () => {
    const source = createTenantSource(db, { ...base, activeColumn: "enabled", clusterColumn: "region" });
    const tenant = await source.readTenant("acme");
    expect(tenant).toEqual({
      key: "acme",
      active: true,
      cluster: "eu-1",
      row: {
        id: "acme",
        replicas: 3,
        quota: 5_000_000_000,
        huge: "9223372036854775807",
        enabled: true,
        settings: { tier: "gold", limits: { cpu: 2 }, tags: ["a", "b"] },
        created_at: "2024-01-02T03:04:05.678Z",
        birthday: "1990-02-28",
        note: null,
        region: "eu-1",
        active_word: "Yes",
        active_num: 1,
        // Text stays text unless listed in jsonColumns.
        raw_json: '{"x":1}',
      },
    } satisfies TenantRecord);
    expect(await source.readTenant("nobody")).toBeUndefined();
  });

  it("parses text columns listed in jsonColumns", async () => {
    const source = createTenantSource(db, { ...base, jsonColumns: ["raw_json"] });
    expect((await source.readTenant("acme"))?.row.raw_json).toEqual({ x: 1 });
    expect((await source.readTenant("b-off"))?.row.raw_json).toBeNull();
  });

  it("reads inactive tenants from 'no', 0 and false", async () => {
    for (const activeColumn of ["active_word", "active_num", "enabled"]) {
      const source = createTenantSource(db, { ...base, activeColumn });
      expect((await source.readTenant("b-off"))?.active, activeColumn).toBe(false);
      expect((await source.readTenant("acme"))?.active, activeColumn).toBe(true);
    }
  });

  it("uses the default cluster when the cluster column is NULL or empty, and every row is active without an active column", async () => {
    const source = createTenantSource(db, { ...base, clusterColumn: "region" });
    const tenant = await source.readTenant("b-off");
    expect(tenant?.cluster).toBe("home");
    expect(tenant?.active).toBe(true);
    expect((await source.readTenant("c-bad"))?.cluster).toBe("home");
  });

  it("rejects an active value that is neither true nor false, naming table, column, tenant and value", async () => {
    const source = createTenantSource(db, { ...base, activeColumn: "active_word" });
    const error = await source.readTenant("c-bad").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TenantRowError);
    expect(error).toMatchObject({
      table: "tenants",
      column: "active_word",
      tenantKey: "c-bad",
      value: "maybe",
    });
    expect((error as Error).message).toMatch(
      /tenant "c-bad" in table "tenants": column "active_word": .*"maybe"/,
    );
    // 2 in a number column and NULL are errors too, not guesses.
    await expect(
      createTenantSource(db, { ...base, activeColumn: "active_num" }).readTenant("c-bad"),
    ).rejects.toThrow(/column "active_num": cannot read 2 as true or false/);
    await expect(
      createTenantSource(db, { ...base, activeColumn: "enabled" }).readTenant("c-bad"),
    ).rejects.toThrow(/column "enabled": cannot read null as true or false/);
  });

  it("stops a listing at a bad row, or reports it and goes on when asked to", async () => {
    const source = createTenantSource(db, { ...base, activeColumn: "active_word" });
    await expect(collect(source.pageTenants({ pageSize: 2 }))).rejects.toBeInstanceOf(TenantRowError);
    const invalid: InvalidTenant[] = [];
    const pages = await collect(source.pageTenants({ pageSize: 2, onInvalid: (bad) => invalid.push(bad) }));
    expect(pages.flat().map((tenant) => [tenant.key, tenant.active])).toEqual([
      ["acme", true],
      ["b-off", false],
    ]);
    expect(invalid.map((bad) => [bad.key, bad.error.column, bad.error.value])).toEqual([
      ["c-bad", "active_word", "maybe"],
    ]);
  });

  it("names a missing table, view or column", async () => {
    await expect(
      createTenantSource(db, { ...base, table: "no_such_table" }).readTenant("acme"),
    ).rejects.toThrow(
      /table or view "no_such_table" not found in the current .* of \w+:\/\/tenant_sync:\*\*\*@/,
    );
    await expect(createTenantSource(db, { ...base, keyColumn: "tenant_id" }).countTenants()).rejects.toThrow(
      /column "tenant_id" \(keyColumn\) not found in table or view "tenants" .*its columns are id, replicas/,
    );
    await expect(
      createTenantSource(db, { ...base, activeColumn: "is_active" }).readTenant("acme"),
    ).rejects.toBeInstanceOf(TenantSourceError);
  });

  it("rejects invalid identifiers before sending any SQL", async () => {
    const bad = [
      { table: "tenants; DROP TABLE tenants" },
      { table: "a.b.c" },
      { table: 'tenants"' },
      { keyColumn: "id` OR 1=1 --" },
      { activeColumn: "active word" },
      { clusterColumn: "région" },
    ];
    for (const override of bad) {
      expect(() => createTenantSource(db, { ...base, ...override }), JSON.stringify(override)).toThrow(
        InvalidIdentifierError,
      );
    }
    expect(await createTenantSource(db, base).countTenants()).toBe(3);
  });

  it("reads a schema-qualified table", async () => {
    const schema = dialect === "postgres" ? "app" : scratch.name;
    if (dialect === "postgres") await db.query("CREATE SCHEMA app");
    await db.query(`CREATE TABLE ${schema}.accounts (account varchar(32) PRIMARY KEY, plan varchar(16))`);
    await db.query(`INSERT INTO ${schema}.accounts VALUES ('x', 'pro')`);
    const source = createTenantSource(db, {
      table: `${schema}.accounts`,
      keyColumn: "account",
      defaultCluster: "home",
    });
    expect(await source.readTenant("x")).toEqual({
      key: "x",
      active: true,
      cluster: "home",
      row: { account: "x", plan: "pro" },
    });
  });

  it("reads through a view, with JSON columns still objects", async () => {
    await db.query(
      `CREATE VIEW tenant_view AS
         SELECT id AS tenant, settings, region AS target_cluster,
                CASE WHEN active_num = 1 THEN 'yes' ELSE 'no' END AS live
           FROM tenants WHERE active_word <> 'maybe'`,
    );
    const source = createTenantSource(db, {
      table: "tenant_view",
      keyColumn: "tenant",
      activeColumn: "live",
      clusterColumn: "target_cluster",
      defaultCluster: "home",
    });
    expect(await source.countTenants()).toBe(2);
    expect(await source.readTenant("acme")).toMatchObject({
      key: "acme",
      active: true,
      cluster: "eu-1",
      row: { settings: { tier: "gold", limits: { cpu: 2 }, tags: ["a", "b"] } },
    });
    expect(await source.readTenant("c-bad")).toBeUndefined();
    const pages = await collect(source.pageTenants({ pageSize: 1 }));
    expect(pages.map((page) => page.map((tenant) => [tenant.key, tenant.active]))).toEqual([
      [["acme", true]],
      [["b-off", false]],
    ]);
  });

  it("knows the JSON columns from the catalog (MariaDB: the json_valid CHECK behind its JSON type)", async () => {
    const shape = await readSourceShape(db, { schema: undefined, name: "tenants" }, scratch.name);
    expect(shape.columns.map((column) => column.name)).toEqual(COLUMNS);
    expect([...shape.jsonColumns]).toEqual(dialect === "postgres" ? [] : ["settings"]);
  });

  it("pages 2,500 rows in key order with no duplicates or gaps", async () => {
    await db.query("CREATE TABLE many (id varchar(16) PRIMARY KEY, n integer NOT NULL UNIQUE)");
    const numbers = Array.from({ length: 2500 }, (_, index) => index + 1);
    // Inserted out of order, so the order read back comes from the key, not from insertion.
    const shuffled = [...numbers].sort((a, b) => ((a * 7919) % 2503) - ((b * 7919) % 2503));
    for (let start = 0; start < shuffled.length; start += 500) {
      const params = new SqlParams();
      const rows = shuffled
        .slice(start, start + 500)
        .map((n) => params.row([`t-${String(n).padStart(5, "0")}`, n]));
      await db.query(`INSERT INTO many (id, n) VALUES ${rows.join(", ")}`, params.values);
    }
    const byText = createTenantSource(db, { table: "many", keyColumn: "id", defaultCluster: "home" });
    expect(await byText.countTenants()).toBe(2500);
    const pages = await collect(byText.pageTenants({ pageSize: 97 }));
    expect(pages).toHaveLength(Math.ceil(2500 / 97));
    expect(pages.every((page) => page.length <= 97)).toBe(true);
    expect(pages.flat().map((tenant) => tenant.key)).toEqual(
      numbers.map((n) => `t-${String(n).padStart(5, "0")}`),
    );

    // An integer key pages in numeric order (2 before 10), not text order.
    const byNumber = createTenantSource(db, { table: "many", keyColumn: "n", defaultCluster: "home" });
    const keys = (await collect(byNumber.pageTenants({ pageSize: 250 }))).flat().map((tenant) => tenant.key);
    expect(keys).toEqual(numbers.map(String));
    expect(await byNumber.readTenant("42")).toMatchObject({ key: "42", row: { id: "t-00042", n: 42 } });
    expect(await byNumber.readTenant("forty-two")).toBeUndefined();
  });

  it("pages 64-bit keys beyond 2^53 exactly", async () => {
    await db.query("CREATE TABLE big_keys (id bigint PRIMARY KEY)");
    const ids = ["9007199254740993", "9007199254740994", "9007199254740995", "9223372036854775807"];
    const params = new SqlParams();
    await db.query(
      `INSERT INTO big_keys (id) VALUES ${ids.map((id) => params.row([id])).join(", ")}`,
      params.values,
    );
    const source = createTenantSource(db, { table: "big_keys", keyColumn: "id", defaultCluster: "home" });
    const keys = (await collect(source.pageTenants({ pageSize: 1 }))).flat().map((tenant) => tenant.key);
    expect(keys).toEqual(ids);
    expect(await source.readTenant("9007199254740994")).toMatchObject({ row: { id: "9007199254740994" } });
  });
});

async function collect<T>(pages: AsyncGenerator<T[]>): Promise<T[][]> {
  const result: T[][] = [];
  for await (const page of pages) result.push(page);
  return result;
}
