/**
 * SQL for the triggers that record tenant row changes in tenant_sync_outbox, generated from the source
 * configuration (table and key column), for PostgreSQL and MySQL/MariaDB. Pure: nothing here touches a
 * database; triggers.ts runs it.
 *
 * What every trigger does, in the transaction of the row change (so the change and its outbox row commit or
 * roll back together):
 * - INSERT writes ('insert', new key); DELETE writes ('delete', old key);
 * - UPDATE writes ('update', key), or, when the key itself changed, ('delete', old key) and ('insert', new
 *   key): the old tenant's objects must go and the new one's appear;
 * - a NULL key writes nothing (such a row is not a tenant, see lib/db/source-config.ts), rather than failing
 *   the application's write on the outbox's NOT NULL.
 * Keys are compared as exact text (bytes), not by the column's collation: 'Acme' → 'acme' is a key change,
 * because the tenant's Kubernetes objects are labelled with the key as written.
 *
 * A view-based source (the configured `table` is a view): triggers cannot go on the view. Install them on the
 * underlying table whose key column is the view's key column (installTriggers with that table and column), or,
 * when the view's key is computed from several tables, have the application insert into tenant_sync_outbox in
 * the same transaction as its change. See docs/pipeline.md.
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
import { mysqlTriggerSql } from "./trigger-sql-mysql.ts";
import { postgresTriggerSql } from "./trigger-sql-postgres.ts";

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

export function triggerSql(
  dialect: Dialect,
  config: TriggerConfig,
  placement: TriggerPlacement = {},
): TriggerSql {
  const target = triggerTarget(dialect, config, placement);
  return dialect === "postgres" ? postgresTriggerSql(target) : mysqlTriggerSql(target);
}

function triggerTarget(dialect: Dialect, config: TriggerConfig, placement: TriggerPlacement): TriggerTarget {
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
