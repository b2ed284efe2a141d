import { quoteQualifiedName } from "../../db/identifiers.ts";
import type { TriggerSql, TriggerTarget } from "./trigger-target.ts";

/**
 * Three AFTER row triggers (MySQL has no multi-event triggers), each replaced by DROP TRIGGER IF EXISTS and
 * CREATE TRIGGER. MySQL commits every DDL statement on its own, so the replacement runs under
 * LOCK TABLES … WRITE: writers of the tenants table wait the few milliseconds it takes instead of slipping
 * through between DROP and CREATE unrecorded. Every statement is sent on its own (no DELIMITER games).
 *
 * The triggers run with their definer's rights (the account that installed them), so application accounts
 * need no privilege on tenant_sync_outbox. Creating triggers needs the TRIGGER privilege, and with binary
 * logging on (and log_bin_trust_function_creators off) MySQL may also demand SUPER.
 *
 * The key is written as-is (MySQL converts numbers to text on insert into the VARCHAR column); keys are
 * compared as binary strings so a change of case or of trailing spaces counts as a key change.
 */
export function mysqlTriggerSql(target: TriggerTarget): TriggerSql {
  const names = target.names.mysql;
  const name = (trigger: string) => quoteQualifiedName("mysql", { schema: target.schema, name: trigger });
  const key = target.keySql;
  const write = (row: "OLD" | "NEW", operation: string) =>
    `INSERT INTO ${target.outboxSql} (tenant_key, operation, table_name)
      VALUES (${row}.${key}, '${operation}', ${target.tableLiteral});`;
  // A NULL key is not a tenant: nothing is recorded for it.
  const writeIfKey = (row: "OLD" | "NEW", operation: string, indent: string) =>
    `${indent}IF ${row}.${key} IS NOT NULL THEN
${indent}  ${write(row, operation)}
${indent}END IF;`;
  const create = (trigger: string, event: string, body: string) =>
    `CREATE TRIGGER ${name(trigger)} AFTER ${event} ON ${target.tableSql} FOR EACH ROW
BEGIN
${body}
END`;
  const drops = [names.insert, names.update, names.delete].map(
    (trigger) => `DROP TRIGGER IF EXISTS ${name(trigger)}`,
  );
  return {
    install: [
      `LOCK TABLES ${target.tableSql} WRITE`,
      ...drops,
      create(names.insert, "INSERT", writeIfKey("NEW", "insert", "  ")),
      create(
        names.update,
        "UPDATE",
        `  IF CAST(OLD.${key} AS BINARY) <=> CAST(NEW.${key} AS BINARY) THEN
${writeIfKey("NEW", "update", "    ")}
  ELSE
    -- The key changed: the old tenant goes, the new one comes.
${writeIfKey("OLD", "delete", "    ")}
${writeIfKey("NEW", "insert", "    ")}
  END IF;`,
      ),
      create(names.delete, "DELETE", writeIfKey("OLD", "delete", "  ")),
      "UNLOCK TABLES",
    ],
    remove: drops,
  };
}
