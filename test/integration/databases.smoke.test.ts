import mysql from "mysql2/promise";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { stack, uniqueName } from "../support/stack.ts";

describe("local databases", () => {
  it("round-trips typed rows through PostgreSQL", async () => {
    const client = new pg.Client({ connectionString: stack().postgresUrl });
    await client.connect();
    const table = uniqueName("smoke").replace("-", "_");
    try {
      await client.query(
        `CREATE TABLE ${table} (id text PRIMARY KEY, replicas int, active boolean, settings jsonb)`,
      );
      await client.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4)`, ["acme", 3, true, { tier: "gold" }]);
      const { rows } = await client.query(`SELECT * FROM ${table}`);
      expect(rows).toEqual([{ id: "acme", replicas: 3, active: true, settings: { tier: "gold" } }]);
    } finally {
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.end();
    }
  });

  it("round-trips typed rows through MariaDB", async () => {
    const connection = await mysql.createConnection({ uri: stack().mariadbUrl });
    const table = uniqueName("smoke").replace("-", "_");
    try {
      await connection.query(
        `CREATE TABLE ${table} (id varchar(64) PRIMARY KEY, replicas int, settings json)`,
      );
      await connection.query(`INSERT INTO ${table} VALUES (?, ?, ?)`, [
        "acme",
        3,
        JSON.stringify({ tier: "gold" }),
      ]);
      const [rows] = await connection.query(`SELECT id, replicas, settings FROM ${table}`);
      const [version] = await connection.query("SELECT VERSION() AS version");
      expect((version as { version: string }[])[0]?.version).toMatch(/MariaDB/);
      expect(rows).toEqual([{ id: "acme", replicas: 3, settings: expect.anything() }]);
      const settings = (rows as { settings: unknown }[])[0]?.settings;
      // MariaDB stores JSON as LONGTEXT, so the driver returns the text; MySQL returns an object.
      expect(typeof settings === "string" ? JSON.parse(settings) : settings).toEqual({ tier: "gold" });
    } finally {
      await connection.query(`DROP TABLE IF EXISTS ${table}`);
      await connection.end();
    }
  });
});
