import { createHash } from "node:crypto";
import { checkIdentifier } from "../../db/identifiers.ts";

/**
 * Names of the database objects tenant-sync installs for one source table, derived from the table's name
 * (not its schema: PostgreSQL functions and MySQL triggers live in the table's own schema, so the same table
 * name in two schemas cannot clash).
 *
 * PostgreSQL: one function and one trigger, both `tenant_sync_<table>_outbox`.
 * MySQL: three triggers, `tenant_sync_<table>_outbox_insert|_update|_delete` (no multi-event triggers there).
 *
 * Identifiers are limited to 63 characters (PostgreSQL silently truncates longer ones, which could make two
 * tables share a function; MySQL rejects them), so a long table name is shortened and a hash of the full name
 * keeps it unique.
 */
export interface TriggerNames {
  /** PostgreSQL trigger function and trigger. */
  postgres: string;
  /** MySQL/MariaDB triggers, one per event. */
  mysql: { insert: string; update: string; delete: string };
}

const PREFIX = "tenant_sync_";
const LONGEST_SUFFIX = "_outbox_delete";
const MAX = 63;
const ROOM = MAX - PREFIX.length - LONGEST_SUFFIX.length;

export function triggerNames(table: string): TriggerNames {
  checkIdentifier(table, "tenant source table");
  const stem = table.length <= ROOM ? table : `${table.slice(0, ROOM - 9)}_${hash8(table)}`;
  const base = `${PREFIX}${stem}_outbox`;
  return {
    postgres: base,
    mysql: { insert: `${base}_insert`, update: `${base}_update`, delete: `${base}_delete` },
  };
}

function hash8(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}
