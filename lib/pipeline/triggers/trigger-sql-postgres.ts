import { quoteQualifiedName } from "../../db/identifiers.ts";
import { OUTBOX_CHANNEL } from "../outbox/outbox.ts";
import type { TriggerSql, TriggerTarget } from "./trigger-target.ts";

/**
 * One PL/pgSQL function and one AFTER INSERT OR UPDATE OR DELETE row trigger. PostgreSQL DDL is
 * transactional, so installTriggers runs `install` in one transaction: re-installing swaps the trigger
 * atomically, with no moment in which a write goes unrecorded.
 *
 * pg_notify is delivered only at commit (never for a rolled-back transaction), and identical notifications of
 * one transaction are folded into one, so a bulk update wakes a listening relay once. NOTIFY serialises
 * committing transactions on a global queue lock: fine for tenant tables, which change rarely.
 *
 * The function is SECURITY INVOKER (the default): whoever writes the tenants table needs INSERT on
 * tenant_sync_outbox and USAGE on its id sequence.
 */
export function postgresTriggerSql(target: TriggerTarget): TriggerSql {
  const fn = quoteQualifiedName("postgres", { schema: target.schema, name: target.names.postgres });
  // A trigger belongs to its table: its name is never schema-qualified.
  const trigger = quoteQualifiedName("postgres", { schema: undefined, name: target.names.postgres });
  const key = target.keySql;
  const write = (variable: string, operation: string) =>
    `INSERT INTO ${target.outboxSql} (tenant_key, operation, table_name)
        VALUES (${variable}, '${operation}', ${target.tableLiteral});`;
  // Keys are copied into text variables first: text compares byte-exact under the database's (always
  // deterministic) default collation, whatever collation the key column has.
  const body = `
DECLARE
  old_key text;
  new_key text;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_key := OLD.${key}::text; END IF;
  IF TG_OP <> 'DELETE' THEN new_key := NEW.${key}::text; END IF;
  IF TG_OP = 'UPDATE' AND old_key IS NOT DISTINCT FROM new_key THEN
    IF new_key IS NOT NULL THEN
      ${write("new_key", "update")}
    END IF;
  ELSE
    -- INSERT, DELETE, or an UPDATE that changed the key: the old tenant goes, the new one comes.
    IF old_key IS NOT NULL THEN
      ${write("old_key", "delete")}
    END IF;
    IF new_key IS NOT NULL THEN
      ${write("new_key", "insert")}
    END IF;
  END IF;
  PERFORM pg_notify('${OUTBOX_CHANNEL}', '');
  RETURN NULL;
END
`;
  return {
    install: [
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $tenant_sync$${body}$tenant_sync$`,
      `COMMENT ON FUNCTION ${fn}() IS 'tenant-sync: records changes of ${target.tableLiteral.slice(1, -1)} in the outbox'`,
      `DROP TRIGGER IF EXISTS ${trigger} ON ${target.tableSql}`,
      `CREATE TRIGGER ${trigger} AFTER INSERT OR UPDATE OR DELETE ON ${target.tableSql}
         FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    ],
    remove: [`DROP TRIGGER IF EXISTS ${trigger} ON ${target.tableSql}`, `DROP FUNCTION IF EXISTS ${fn}()`],
  };
}
