import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installTriggers, removeTriggers } from "../../lib/pipeline/triggers/triggers.ts";
import { DIALECTS } from "../support/databases.ts";
import { type OutboxFixture, outboxFixture } from "../support/outbox.ts";

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TENANTS = { table: "tenants", keyColumn: "id" };

describe.each(DIALECTS)("outbox triggers (%s)", (dialect) => {
  let f: OutboxFixture;
  const ops = async () => (await f.outbox()).map((row) => [row.operation, row.tenant_key]);

  beforeAll(async () => {
    f = await outboxFixture(dialect, "ts_triggers");
  });
  afterAll(async () => {
    await f?.close();
  });
  beforeEach(async () => {
    await installTriggers(f.db, TENANTS);
    await f.reset();
  });

  it("writes exactly one outbox row for an insert, in the inserting transaction", async () => {
    await f.db.transaction(async (tx) => {
      await tx.query("INSERT INTO tenants (id, plan) VALUES ($1, $2)", ["acme", "pro"]);
      const { rows } = await tx.query("SELECT tenant_key FROM tenant_sync_outbox");
      expect(rows).toEqual([{ tenant_key: "acme" }]);
      // Another connection does not see it before commit: same transaction, not a side effect.
      expect(await f.outbox()).toEqual([]);
    });
    const [row, ...rest] = await f.outbox();
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      tenant_key: "acme",
      operation: "insert",
      table_name: "tenants",
      sent_at: null,
    });
    expect(row?.changed_at).toMatch(ISO_MS);
    expect(Math.abs(Date.parse(row?.changed_at ?? "") - Date.now())).toBeLessThan(60_000);
  });

  it("records changed_at in UTC whatever the writing session's time zone", async () => {
    await f.db.withSession(async (session) => {
      await session.query(dialect === "postgres" ? "SET TIME ZONE '+05:00'" : "SET time_zone = '+05:00'");
      await session.query("INSERT INTO tenants (id, plan) VALUES ('far-east', 'basic')");
    });
    const [row] = await f.outbox();
    expect(Math.abs(Date.parse(row?.changed_at ?? "") - Date.now())).toBeLessThan(60_000);
  });

  it("writes nothing for a rolled-back insert", async () => {
    await expect(
      f.db.transaction(async (tx) => {
        await tx.query("INSERT INTO tenants (id, plan) VALUES ('ghost', 'basic')");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await f.outbox()).toEqual([]);
  });

  it("writes update and delete rows, one per changed row", async () => {
    await f.db.query("INSERT INTO tenants (id, plan) VALUES ('a', 'basic'), ('b', 'basic')");
    await f.db.query("UPDATE tenants SET plan = 'pro'");
    await f.db.query("DELETE FROM tenants WHERE id = 'a'");
    const rows = await ops();
    expect(rows.slice(0, 2).sort()).toEqual([
      ["insert", "a"],
      ["insert", "b"],
    ]);
    expect(rows.slice(2, 4).sort()).toEqual([
      ["update", "a"],
      ["update", "b"],
    ]);
    expect(rows.slice(4)).toEqual([["delete", "a"]]);
  });

  it("writes a delete for the old key and an insert for the new one when the key changes", async () => {
    await f.db.query("INSERT INTO tenants (id, plan) VALUES ('old', 'basic')");
    await f.db.query("UPDATE tenants SET id = 'new' WHERE id = 'old'");
    expect(await ops()).toEqual([
      ["insert", "old"],
      ["delete", "old"],
      ["insert", "new"],
    ]);
  });

  it("counts a change of case as a key change, whatever the column's collation", async () => {
    // MariaDB's default collation compares 'Acme' = 'acme'; the objects are labelled with the exact key.
    await f.db.query("INSERT INTO tenants (id, plan) VALUES ('Acme', 'basic')");
    await f.db.query("UPDATE tenants SET id = 'acme' WHERE id = 'Acme'");
    expect(await ops()).toEqual([
      ["insert", "Acme"],
      ["delete", "Acme"],
      ["insert", "acme"],
    ]);
  });

  it("keeps non-ASCII keys intact (the outbox is utf8mb4 whatever the tenants table's charset)", async () => {
    await f.db.query("INSERT INTO tenants (id, plan) VALUES ('Müller-ß', 'basic')");
    expect(await ops()).toEqual([["insert", "Müller-ß"]]);
  });

  it("can be installed again (replacing the triggers) and removed; removed means silent", async () => {
    await installTriggers(f.db, TENANTS);
    await installTriggers(f.db, TENANTS);
    await f.db.query("INSERT INTO tenants (id, plan) VALUES ('once', 'basic')");
    expect(await ops()).toEqual([["insert", "once"]]);
    await removeTriggers(f.db, TENANTS);
    await removeTriggers(f.db, TENANTS);
    await f.db.query("INSERT INTO tenants (id, plan) VALUES ('unseen', 'basic')");
    await f.db.query("UPDATE tenants SET plan = 'pro'");
    await f.db.query("DELETE FROM tenants");
    expect(await ops()).toEqual([["insert", "once"]]);
    const catalog =
      dialect === "postgres"
        ? "SELECT tgname AS name FROM pg_trigger WHERE tgname LIKE 'tenant_sync%' " +
          "UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'tenant_sync%'"
        : "SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()";
    expect((await f.db.query(catalog)).rows).toEqual([]);
  });

  it("follows a change of key column when installed again", async () => {
    await f.db.query("CREATE TABLE IF NOT EXISTS keyed (id int PRIMARY KEY, code varchar(32))");
    await installTriggers(f.db, { table: "keyed", keyColumn: "id" });
    await f.db.query("INSERT INTO keyed (id, code) VALUES (42, 'x')");
    await installTriggers(f.db, { table: "keyed", keyColumn: "code" });
    // A NULL key is not a tenant: nothing is written, and the application's write still succeeds.
    await f.db.query("INSERT INTO keyed (id, code) VALUES (43, NULL)");
    await f.db.query("UPDATE keyed SET code = 'y' WHERE id = 43");
    await f.db.query("UPDATE keyed SET code = NULL WHERE id = 42");
    expect((await f.outbox()).map((row) => [row.operation, row.tenant_key, row.table_name])).toEqual([
      ["insert", "42", "keyed"],
      ["insert", "y", "keyed"],
      ["delete", "x", "keyed"],
    ]);
    await removeTriggers(f.db, { table: "keyed", keyColumn: "code" });
  });

  it("refuses a missing table, a view and a missing key column, saying what to do", async () => {
    await expect(installTriggers(f.db, { table: "nowhere", keyColumn: "id" })).rejects.toThrow(
      /table nowhere does not exist in \w+:\/\/tenant_sync:\*\*\*@/,
    );
    await f.db.query("CREATE VIEW tenant_view AS SELECT id, plan FROM tenants");
    await expect(installTriggers(f.db, { table: "tenant_view", keyColumn: "id" })).rejects.toThrow(
      /tenant_view .*: it is a view\. Install them on the underlying table/,
    );
    await expect(installTriggers(f.db, { table: "tenants", keyColumn: "tenant_id" })).rejects.toThrow(
      /tenants .*: it has no column "tenant_id"/,
    );
    // Nothing was half-installed: the tenants triggers still work.
    await f.db.query("INSERT INTO tenants (id, plan) VALUES ('still', 'basic')");
    expect(await ops()).toEqual([["insert", "still"]]);
  });

  it.runIf(dialect === "postgres")(
    "puts the function in the table's schema and finds the outbox whatever the writer's search_path",
    async () => {
      await f.db.query("CREATE SCHEMA app");
      await f.db.query("CREATE TABLE app.tenants (id varchar(64) PRIMARY KEY)");
      await installTriggers(f.db, { table: "app.tenants", keyColumn: "id" });
      await f.db.withSession(async (session) => {
        await session.query("SET search_path = app");
        await session.query("INSERT INTO tenants (id) VALUES ('schema-1')");
      });
      const { rows } = await f.db.query(
        "SELECT n.nspname AS schema FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace " +
          "WHERE p.proname = 'tenant_sync_tenants_outbox' ORDER BY 1",
      );
      expect(rows).toEqual([{ schema: "app" }, { schema: "public" }]);
      expect((await f.outbox()).map((row) => [row.tenant_key, row.table_name])).toEqual([
        ["schema-1", "app.tenants"],
      ]);
      await removeTriggers(f.db, { table: "app.tenants", keyColumn: "id" });
      await f.db.query("DROP SCHEMA app CASCADE");
    },
  );
});
