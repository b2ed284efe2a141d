import { describe, expect, it } from "vitest";
import type { Dialect } from "../../lib/db/dialect.ts";
import type { Queryable, QueryResult } from "../../lib/db/queryable.ts";
import { createTenantSource, TenantRowError } from "../../lib/db/source.ts";

/**
 * A database that knows one table, tenants(id, active, cluster), holding one row whose active value is given.
 * Records every statement, so tests can tell whether any SQL was sent at all.
 */
function fakeDatabase(dialect: Dialect, active: unknown) {
  const statements: string[] = [];
  const result = (rows: Record<string, unknown>[]): QueryResult => ({
    rows,
    rowCount: rows.length,
    columns: Object.keys(rows[0] ?? {}).map((name) => ({ name, json: false })),
  });
  const db: Queryable = {
    dialect,
    async query<T>(sql: string) {
      statements.push(sql);
      if (sql.includes("to_regclass") || sql.includes("information_schema.COLUMNS")) {
        return result(
          ["id", "active", "cluster"].map((name) => ({
            found: true,
            name,
            type: "text",
            version: "15",
            db: "x",
          })),
        ) as QueryResult<T>;
      }
      if (sql.includes("CHECK_CONSTRAINTS")) return result([]) as QueryResult<T>;
      return result([{ id: "acme", active, cluster: null }]) as QueryResult<T>;
    },
    transaction: (fn) => fn(db),
  };
  return { db, statements };
}

const config = { table: "tenants", keyColumn: "id", activeColumn: "active", defaultCluster: "home" };

describe.each([["postgres"], ["mysql"]] as [Dialect][])("active column (%s)", (dialect) => {
  it.each([
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    ["Yes", true],
    ["no", false],
    ["TRUE", true],
    ["f", false],
    ["on", true],
    ["OFF", false],
  ])("reads %j as %s", async (value, expected) => {
    const { db } = fakeDatabase(dialect, value);
    expect(await createTenantSource(db, config).readTenant("acme")).toMatchObject({
      key: "acme",
      active: expected,
      cluster: "home",
    });
  });

  it.each([["maybe"], [2], [null], [""]])(
    "refuses %j with an error naming table, column, tenant and value",
    async (value) => {
      const { db } = fakeDatabase(dialect, value);
      const error = await createTenantSource(db, config)
        .readTenant("acme")
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TenantRowError);
      expect(error).toMatchObject({ table: "tenants", column: "active", tenantKey: "acme", value });
      expect((error as Error).message).toContain(
        'tenant "acme" in table "tenants": column "active": cannot read',
      );
      expect((error as Error).message).toContain(`${JSON.stringify(value)} as true or false`);
    },
  );

  it("validates every identifier before any SQL is sent", () => {
    const { db, statements } = fakeDatabase(dialect, true);
    expect(() => createTenantSource(db, { ...config, table: "tenants WHERE 1=1" })).toThrow(
      /invalid tenant source table/,
    );
    expect(() => createTenantSource(db, { ...config, keyColumn: "id; --" })).toThrow(
      /invalid tenant source keyColumn/,
    );
    expect(() => createTenantSource(db, { ...config, clusterColumn: "c)" })).toThrow(
      /invalid tenant source clusterColumn/,
    );
    expect(() => createTenantSource(db, { ...config, jsonColumns: ["ok", "not ok"] })).toThrow(
      /invalid tenant source jsonColumns entry "not ok"/,
    );
    expect(() => createTenantSource(db, { ...config, defaultCluster: " " })).toThrow(
      /defaultCluster must name a cluster/,
    );
    expect(statements).toEqual([]);
  });

  it("reads the catalog once per source", async () => {
    const { db, statements } = fakeDatabase(dialect, true);
    const source = createTenantSource(db, config);
    await Promise.all([source.readTenant("acme"), source.readTenant("acme"), source.countTenants()]);
    expect(
      statements.filter((sql) => sql.includes("to_regclass") || sql.includes("information_schema.COLUMNS")),
    ).toHaveLength(1);
  });
});
