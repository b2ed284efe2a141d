import { describe, expect, it } from "vitest";
import type { Queryable, QueryResult, ResultColumn } from "../../lib/db/queryable.ts";
import { createTenantSource, TenantRowError } from "../../lib/db/source.ts";

/**
 * MariaDB without extended metadata (an older server or a proxy): the driver hands JSON columns over as text
 * and marks no column as JSON. The json_valid CHECK in the catalog is then what tells the source to parse.
 */
function mariadbWithoutMetadata(row: Record<string, unknown>, parsedByDriver: string[] = []) {
  const columns: ResultColumn[] = Object.keys(row).map((name) => ({
    name,
    json: parsedByDriver.includes(name),
  }));
  const db: Queryable = {
    dialect: "mysql",
    async query<T>(sql: string) {
      if (sql.includes("information_schema.COLUMNS")) {
        const rows = Object.keys(row).map((name) => ({
          name,
          type: name === "id" ? "varchar" : "longtext",
          version: "10.4.34-MariaDB",
          db: "app",
        }));
        return { rows, rowCount: rows.length, columns: [] } as unknown as QueryResult<T>;
      }
      if (sql.includes("CHECK_CONSTRAINTS")) {
        const rows = [{ clause: "json_valid(`settings`)" }, { clause: "`doc` is null or json_valid(`doc`)" }];
        return { rows, rowCount: rows.length, columns: [] } as unknown as QueryResult<T>;
      }
      return { rows: [{ ...row }], rowCount: 1, columns } as QueryResult<T>;
    },
    transaction: (fn) => fn(db),
  };
  return db;
}

const config = { table: "tenants", keyColumn: "id", defaultCluster: "home" };

describe("JSON columns on MariaDB without extended metadata", () => {
  it("parses columns whose CHECK is json_valid, and leaves other text alone", async () => {
    const db = mariadbWithoutMetadata({
      id: "acme",
      settings: '{"tier":"gold"}',
      doc: "[1,2]",
      note: '{"x":1}',
    });
    expect((await createTenantSource(db, config).readTenant("acme"))?.row).toEqual({
      id: "acme",
      settings: { tier: "gold" },
      doc: [1, 2],
      note: '{"x":1}',
    });
  });

  it("does not parse twice what the driver already parsed (a JSON string stays a string)", async () => {
    const db = mariadbWithoutMetadata({ id: "acme", settings: "hello", doc: null, note: null }, ["settings"]);
    expect((await createTenantSource(db, config).readTenant("acme"))?.row.settings).toBe("hello");
  });

  it("names table, column and tenant when the text is not JSON", async () => {
    const db = mariadbWithoutMetadata({ id: "acme", settings: "{oops", doc: null, note: null });
    const error = await createTenantSource(db, config)
      .readTenant("acme")
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TenantRowError);
    expect((error as Error).message).toMatch(
      /^tenant "acme" in table "tenants": column "settings" should hold JSON but does not parse/,
    );
  });
});
