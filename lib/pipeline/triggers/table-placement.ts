/**
 * Looks the tenants table and the outbox up in the catalog before triggers are installed, for two reasons:
 * - PL/pgSQL checks column names only when the trigger first fires, so a wrong key column would install
 *   cleanly and then fail every write the application makes to its tenants table. Better to refuse here.
 * - The triggers run in the application's sessions, whose search_path (PostgreSQL) or current database
 *   (MySQL) may differ from tenant-sync's: both the table's and the outbox's schema are fixed at install time.
 */
import { displayName, parseQualifiedName, quoteQualifiedName } from "../../db/identifiers.ts";
import type { Queryable } from "../../db/queryable.ts";
import { TenantSyncError } from "../../errors.ts";
import { OUTBOX_TABLE } from "../outbox/outbox.ts";
import type { TriggerConfig, TriggerPlacement } from "./trigger-target.ts";

export interface TableFacts {
  schema: string;
  /** "table", "view" or "other" (sequence, index…). */
  kind: "table" | "view" | "other";
  hasKey: boolean;
}

/** The schemas to install into, or an error that says what is missing and what to do. */
export async function resolvePlacement(
  db: Queryable,
  config: TriggerConfig,
  location: string,
): Promise<Required<TriggerPlacement>> {
  const name = displayName(parseQualifiedName(config.table, "tenant source table"));
  const facts = await lookupTable(db, config);
  if (!facts)
    throw new TenantSyncError(`cannot install outbox triggers: table ${name} does not exist in ${location}`);
  if (facts.kind === "view") {
    throw new TenantSyncError(
      `cannot install outbox triggers on ${name} in ${location}: it is a view. Install them on the underlying ` +
        "table whose key column is the view's key, or write tenant_sync_outbox rows from the application " +
        "(see docs/pipeline.md)",
    );
  }
  if (facts.kind !== "table") {
    throw new TenantSyncError(`cannot install outbox triggers on ${name} in ${location}: it is not a table`);
  }
  if (!facts.hasKey) {
    throw new TenantSyncError(
      `cannot install outbox triggers on ${name} in ${location}: it has no column "${config.keyColumn}" ` +
        "(the configured tenant key column)",
    );
  }
  const outboxSchema = await findOutbox(db);
  if (outboxSchema === undefined) {
    throw new TenantSyncError(
      `${OUTBOX_TABLE} does not exist in ${location}: run the migrations (migrate) first`,
    );
  }
  return { tableSchema: facts.schema, outboxSchema };
}

/** What the catalog says about the configured table; undefined when there is no such relation. */
export async function lookupTable(db: Queryable, config: TriggerConfig): Promise<TableFacts | undefined> {
  const table = parseQualifiedName(config.table, "tenant source table");
  return db.dialect === "postgres"
    ? postgresTable(db, quoteQualifiedName("postgres", table), config.keyColumn)
    : mysqlTable(db, table.schema, table.name, config.keyColumn);
}

async function postgresTable(
  db: Queryable,
  quoted: string,
  keyColumn: string,
): Promise<TableFacts | undefined> {
  const { rows } = await db.query<{ schema: string; relkind: string; has_key: boolean }>(
    `SELECT n.nspname AS schema, c.relkind,
            EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped) AS has_key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1::text)`,
    [quoted, keyColumn],
  );
  const row = rows[0];
  if (!row) return undefined;
  // r: table, p: partitioned table, f: foreign table; all take row triggers. v, m: views.
  const kind = "rpf".includes(row.relkind) ? "table" : "vm".includes(row.relkind) ? "view" : "other";
  return { schema: row.schema, kind, hasKey: row.has_key };
}

async function mysqlTable(
  db: Queryable,
  schema: string | undefined,
  name: string,
  keyColumn: string,
): Promise<TableFacts | undefined> {
  const { rows } = await db.query<{ table_schema: string; table_type: string; key_columns: number | string }>(
    `SELECT t.TABLE_SCHEMA AS table_schema, t.TABLE_TYPE AS table_type,
            (SELECT COUNT(*) FROM information_schema.COLUMNS c
              WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND c.COLUMN_NAME = $3)
              AS key_columns
       FROM information_schema.TABLES t
      WHERE t.TABLE_SCHEMA = COALESCE($1, DATABASE()) AND t.TABLE_NAME = $2`,
    [schema ?? null, name, keyColumn],
  );
  const row = rows[0];
  if (!row) return undefined;
  const kind = row.table_type === "BASE TABLE" ? "table" : row.table_type === "VIEW" ? "view" : "other";
  return { schema: row.table_schema, kind, hasKey: Number(row.key_columns) > 0 };
}

/** The schema (database) of tenant_sync_outbox as tenant-sync's own connection resolves it. */
async function findOutbox(db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ schema: string }>(
    db.dialect === "postgres"
      ? `SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = to_regclass($1::text)`
      : `SELECT TABLE_SCHEMA AS \`schema\` FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = $1`,
    [OUTBOX_TABLE],
  );
  return rows[0]?.schema;
}
