/**
 * What the dialect generators (trigger-sql-postgres.ts, trigger-sql-mysql.ts) work from and give back: the
 * configuration checked, quoted and named once, and the statements they make of it.
 */
import type { Dialect } from "../../db/dialect.ts";
import {
  checkIdentifier,
  displayName,
  parseQualifiedName,
  type QualifiedName,
  quoteIdentifier,
  quoteQualifiedName,
} from "../../db/identifiers.ts";
import { OUTBOX_TABLE } from "../outbox/outbox.ts";
import { type TriggerNames, triggerNames } from "./trigger-names.ts";

export interface TriggerConfig {
  /** The tenants table, optionally schema-qualified (`tenants`, `app.tenants`); never a view. */
  table: string;
  /** Column holding the tenant key. */
  keyColumn: string;
}

/**
 * Where things live when the configuration does not say; installTriggers looks both up in the catalog so the
 * triggers work whatever the application's search_path (PostgreSQL) or current database (MySQL) is.
 */
export interface TriggerPlacement {
  /** Schema (database in MySQL) of the table when `table` names none; default: resolved by name. */
  tableSchema?: string;
  /** Schema (database) holding tenant_sync_outbox; default: unqualified, resolved when the trigger runs. */
  outboxSchema?: string;
}

export interface TriggerSql {
  /** Statements to run in order on one connection; re-running them replaces the triggers. */
  install: string[];
  /** Statements that remove everything `install` created; harmless when nothing is installed. */
  remove: string[];
}

/** The configuration checked, quoted and named once; what the dialect generators work from. */
export interface TriggerTarget {
  table: QualifiedName;
  tableSql: string;
  /** The configured table name as a SQL string literal, written to the outbox's table_name. */
  tableLiteral: string;
  keySql: string;
  outboxSql: string;
  /** Schema the function (PostgreSQL) or triggers (MySQL) go in: the table's, when known. */
  schema: string | undefined;
  names: TriggerNames;
}

/** Checks every identifier (an error names the one that is not) and quotes it for the dialect. */
export function triggerTarget(
  dialect: Dialect,
  config: TriggerConfig,
  placement: TriggerPlacement,
): TriggerTarget {
  const configured = parseQualifiedName(config?.table, "tenant source table");
  const keyColumn = checkIdentifier(config.keyColumn, "tenant key column");
  const tableSchema =
    placement.tableSchema === undefined ? undefined : checkIdentifier(placement.tableSchema, "table schema");
  const outboxSchema =
    placement.outboxSchema === undefined
      ? undefined
      : checkIdentifier(placement.outboxSchema, "outbox schema");
  const table: QualifiedName = { schema: configured.schema ?? tableSchema, name: configured.name };
  return {
    table,
    tableSql: quoteQualifiedName(dialect, table),
    // Safe as a literal: the name was checked to hold only letters, digits, underscore and one dot.
    tableLiteral: `'${displayName(configured)}'`,
    keySql: quoteIdentifier(dialect, keyColumn, "tenant key column"),
    outboxSql: quoteQualifiedName(dialect, { schema: outboxSchema, name: OUTBOX_TABLE }),
    schema: table.schema,
    names: triggerNames(configured.name),
  };
}
