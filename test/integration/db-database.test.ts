import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import { SqlParams } from "../../lib/db/params.ts";
import { createScratchDatabase, DIALECTS, type ScratchDatabase, serverUrl } from "../support/databases.ts";

describe.each(DIALECTS)("database connection (%s)", (dialect) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeAll(async () => {
    scratch = await createScratchDatabase(dialect, "ts_conn");
    db = openDatabase(scratch.url, { poolSize: 2 });
    await db.query("CREATE TABLE items (id varchar(32) PRIMARY KEY, n integer)");
  });

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it("binds parameters in the dialect's placeholder style", async () => {
    const insert = new SqlParams();
    await db.query(
      `INSERT INTO items (id, n) VALUES ${insert.row(["a", 1])}, ${insert.row(["b", 2])}`,
      insert.values,
    );
    const select = new SqlParams();
    const { rows, rowCount } = await db.query(
      `SELECT id, n FROM items WHERE n >= ${select.add(2)}`,
      select.values,
    );
    expect(rows).toEqual([{ id: "b", n: 2 }]);
    expect(rowCount).toBe(1);
  });

  it("commits a transaction and rolls one back when it throws", async () => {
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO items (id, n) VALUES ('committed', 1)");
      // A nested call joins the outer transaction.
      await tx.transaction((inner) => inner.query("INSERT INTO items (id, n) VALUES ('nested', 1)"));
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO items (id, n) VALUES ('rolled-back', 1)");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const { rows } = await db.query<{ id: string }>("SELECT id FROM items ORDER BY id");
    expect(rows.map((row) => row.id)).toEqual(expect.arrayContaining(["committed", "nested"]));
    expect(rows.map((row) => row.id)).not.toContain("rolled-back");
  });

  it("accepts the alternative scheme (postgresql:// or mariadb://)", async () => {
    const other = scratch.url.replace(/^postgres:/, "postgresql:").replace(/^mysql:/, "mariadb:");
    const alias = openDatabase(other, { poolSize: 1 });
    try {
      expect(alias.dialect).toBe(dialect);
      const { rows } = await alias.query("SELECT 1 AS one");
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await alias.close();
    }
  });

  it("never shows the password when a connection fails", async () => {
    const url = new URL(serverUrl(dialect));
    url.password = "wrong-secret-42";
    const bad = openDatabase(url.toString(), { poolSize: 1 });
    try {
      const error = await bad.query("SELECT 1").then(
        () => undefined,
        (caught: Error) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error?.message).toMatch(
        /^cannot connect to \w+:\/\/tenant_sync:\*\*\*@127\.0\.0\.1:\d+\/tenant_sync: /,
      );
      expect(String(error?.message)).not.toContain("wrong-secret-42");
      expect(String((error?.cause as Error | undefined)?.message)).not.toContain("wrong-secret-42");
      expect(bad.location).not.toContain("wrong-secret-42");
      expect(JSON.stringify(bad)).not.toContain("wrong-secret-42");
    } finally {
      await bad.close();
    }
  });

  it("reads values with the same types as the other dialect", async () => {
    const sql =
      dialect === "postgres"
        ? `SELECT 5000000000::bigint AS big, 9223372036854775807::bigint AS huge, 12::numeric AS whole,
                  12.50::numeric(10,2) AS money, true AS yes, '{"a":[1,2]}'::jsonb AS doc,
                  '2024-01-02 03:04:05.678+02'::timestamptz AS at, '2024-01-02 03:04:05.678'::timestamp AS local,
                  '2024-02-29'::date AS day, NULL::text AS nothing`
        : `SELECT CAST(5000000000 AS SIGNED) AS big, CAST(9223372036854775807 AS SIGNED) AS huge,
                  CAST(12 AS DECIMAL(10,0)) AS whole, CAST(12.50 AS DECIMAL(10,2)) AS money, TRUE AS yes,
                  JSON_OBJECT('a', JSON_ARRAY(1, 2)) AS doc,
                  CONVERT_TZ('2024-01-02 03:04:05.678', '+02:00', '+00:00') AS at,
                  CAST('2024-01-02 03:04:05.678' AS DATETIME(3)) AS local, CAST('2024-02-29' AS DATE) AS day,
                  NULL AS nothing`;
    const { rows } = await db.query(sql);
    expect(rows[0]).toEqual({
      big: 5_000_000_000,
      huge: "9223372036854775807",
      whole: 12,
      money: "12.50",
      // MySQL's TRUE is the integer 1 (only TINYINT(1) columns read as booleans).
      yes: dialect === "postgres" ? true : 1,
      doc: { a: [1, 2] },
      at: dialect === "postgres" ? "2024-01-02T01:04:05.678Z" : expect.stringMatching(/^2024-01-02T01:04:05/),
      local: "2024-01-02T03:04:05.678Z",
      day: "2024-02-29",
      nothing: null,
    });
  });
});
