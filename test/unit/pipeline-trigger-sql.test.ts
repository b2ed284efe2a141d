import { describe, expect, it } from "vitest";
import { InvalidIdentifierError } from "../../lib/db/identifiers.ts";
import { triggerNames } from "../../lib/pipeline/triggers/trigger-names.ts";
import { triggerSql } from "../../lib/pipeline/triggers/triggers.ts";

const DIALECTS = ["postgres", "mysql"] as const;
const hostile = [
  "",
  "tenants; DROP TABLE x",
  'te"nants',
  "te`nants",
  "te'nants",
  "a.b.c",
  "x--",
  "région",
  "$1",
];

describe.each(DIALECTS)("triggerSql (%s)", (dialect) => {
  it.each(hostile)("refuses the table %j, naming the setting", (table) => {
    expect(() => triggerSql(dialect, { table, keyColumn: "id" })).toThrow(InvalidIdentifierError);
    expect(() => triggerSql(dialect, { table, keyColumn: "id" })).toThrow(/tenant source table/);
  });

  it.each([...hostile, "a.b"])("refuses the key column %j, naming the setting", (keyColumn) => {
    expect(() => triggerSql(dialect, { table: "tenants", keyColumn })).toThrow(/invalid tenant key column/);
  });

  it("refuses a bad schema in the placement", () => {
    expect(() => triggerSql(dialect, { table: "t", keyColumn: "id" }, { outboxSchema: "x;y" })).toThrow(
      /invalid outbox schema "x;y"/,
    );
    expect(() => triggerSql(dialect, { table: "t", keyColumn: "id" }, { tableSchema: "" })).toThrow(
      /invalid table schema/,
    );
  });

  it("refuses a missing configuration with an error, not a crash", () => {
    expect(() => triggerSql(dialect, undefined as never)).toThrow(/tenant source table/);
    expect(() => triggerSql(dialect, { table: "t" } as never)).toThrow(/tenant key column/);
  });

  it("quotes every identifier, so reserved words work as names", () => {
    const q = dialect === "postgres" ? (name: string) => `"${name}"` : (name: string) => `\`${name}\``;
    const { install, remove } = triggerSql(
      dialect,
      { table: "app.order", keyColumn: "key" },
      { outboxSchema: "ts" },
    );
    const text = install.join("\n");
    expect(text).toContain(`${q("app")}.${q("order")}`);
    expect(text).toContain(`NEW.${q("key")}`);
    expect(text).toContain(`${q("ts")}.${q("tenant_sync_outbox")}`);
    // The configured name (not the resolved one) is what outbox rows say they came from.
    expect(text).toContain("'app.order'");
    // Function (PostgreSQL) and triggers (MySQL) live in the table's schema.
    expect(remove.join("\n")).toContain(`${q("app")}.${q("tenant_sync_order_outbox")}`.slice(0, -1));
  });
});

describe("trigger SQL shape", () => {
  it("PostgreSQL: one function, one trigger for all three events, and a notification", () => {
    const { install, remove } = triggerSql("postgres", { table: "tenants", keyColumn: "id" });
    const text = install.join("\n");
    expect(text).toMatch(/CREATE OR REPLACE FUNCTION "tenant_sync_tenants_outbox"\(\)/);
    expect(text).toMatch(/AFTER INSERT OR UPDATE OR DELETE ON "tenants"\s+FOR EACH ROW/);
    expect(text).toContain("pg_notify('tenant_sync_outbox', '')");
    expect(remove).toEqual([
      'DROP TRIGGER IF EXISTS "tenant_sync_tenants_outbox" ON "tenants"',
      'DROP FUNCTION IF EXISTS "tenant_sync_tenants_outbox"()',
    ]);
  });

  it("MySQL: three triggers replaced under a table lock, one statement each", () => {
    const { install, remove } = triggerSql("mysql", { table: "tenants", keyColumn: "id" });
    expect(install[0]).toBe("LOCK TABLES `tenants` WRITE");
    expect(install.at(-1)).toBe("UNLOCK TABLES");
    for (const event of ["INSERT", "UPDATE", "DELETE"]) {
      const name = `tenant_sync_tenants_outbox_${event.toLowerCase()}`;
      expect(install).toContain(`DROP TRIGGER IF EXISTS \`${name}\``);
      expect(install.some((sql) => sql.startsWith(`CREATE TRIGGER \`${name}\` AFTER ${event} ON`))).toBe(
        true,
      );
    }
    expect(remove).toHaveLength(3);
    expect(install.join("\n")).not.toMatch(/DELIMITER/);
  });
});

describe("triggerNames", () => {
  it("derives names from the table", () => {
    expect(triggerNames("tenants")).toEqual({
      postgres: "tenant_sync_tenants_outbox",
      mysql: {
        insert: "tenant_sync_tenants_outbox_insert",
        update: "tenant_sync_tenants_outbox_update",
        delete: "tenant_sync_tenants_outbox_delete",
      },
    });
  });

  it("keeps long names within 63 characters and apart from each other", () => {
    const a = triggerNames(`${"t".repeat(60)}_a`);
    const b = triggerNames(`${"t".repeat(60)}_b`);
    for (const names of [a, b]) {
      for (const name of [names.postgres, ...Object.values(names.mysql)]) {
        expect(name.length).toBeLessThanOrEqual(63);
        expect(name).toMatch(/^[A-Za-z0-9_]+$/);
      }
    }
    expect(a.postgres).not.toBe(b.postgres);
    expect(a.mysql.delete).not.toBe(b.mysql.delete);
  });
});
