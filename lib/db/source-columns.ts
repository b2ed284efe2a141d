import type { Dialect } from "./dialect.ts";
import { displayName, type QualifiedName, quoteQualifiedName } from "./identifiers.ts";
import { SqlParams } from "./params.ts";
import type { Queryable } from "./queryable.ts";
import { TenantSourceError } from "./source-errors.ts";

/** What the source's table or view looks like, read once from the catalog. */
export interface SourceShape {
  /** Column names as the database spells them, in table order, with their catalog type names. */
  columns: { name: string; type: string }[];
  /**
   * Columns known from the catalog to hold JSON: MySQL's JSON type, and on MariaDB columns with a
   * json_valid(...) CHECK (that is what MariaDB's JSON type is). Used only when the driver did not already
   * parse a column (see mysql-types.ts): MariaDB's extended metadata normally does that, also for views, but
   * older servers and some proxies do not send it. Views have no CHECK constraints, so on such a connection a
   * view's JSON columns must be listed in the source's jsonColumns setting.
   */
  jsonColumns: Set<string>;
}

export async function readSourceShape(
  db: Queryable,
  table: QualifiedName,
  location: string,
): Promise<SourceShape> {
  const shape = db.dialect === "postgres" ? await postgresShape(db, table) : await mysqlShape(db, table);
  if (!shape) {
    const where =
      table.schema === undefined
        ? `the current ${schemaWord(db.dialect)}`
        : `${schemaWord(db.dialect)} "${table.schema}"`;
    throw new TenantSourceError(
      `tenant source: table or view "${displayName(table)}" not found in ${where} of ${location}` +
        (db.dialect === "postgres"
          ? " (names are case-sensitive: unquoted names are stored in lower case)"
          : ""),
    );
  }
  return shape;
}

const schemaWord = (dialect: Dialect) => (dialect === "postgres" ? "schema search path" : "database");

async function postgresShape(db: Queryable, table: QualifiedName): Promise<SourceShape | undefined> {
  const params = new SqlParams();
  // to_regclass resolves the name like a query would (search_path when unqualified) and covers tables,
  // views, materialized views and foreign tables; it yields NULL instead of an error when nothing matches.
  const relation = params.add(quoteQualifiedName("postgres", table));
  const { rows } = await db.query<{ found: boolean; name: string | null; type: string | null }>(
    `SELECT r.oid IS NOT NULL AS found, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM (SELECT to_regclass(${relation}) AS oid) r
       LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    params.values,
  );
  if (!rows[0]?.found) return undefined;
  const columns = rows.flatMap((row) =>
    row.name === null ? [] : [{ name: row.name, type: row.type ?? "" }],
  );
  // pg parses json and jsonb itself; nothing to fall back on.
  return { columns, jsonColumns: new Set() };
}

async function mysqlShape(db: Queryable, table: QualifiedName): Promise<SourceShape | undefined> {
  const params = new SqlParams();
  const schema = table.schema === undefined ? "DATABASE()" : params.add(table.schema);
  const { rows } = await db.query<{ name: string; type: string; version: string; db: string | null }>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, VERSION() AS version, ${schema} AS db
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ${schema} AND TABLE_NAME = ${params.add(table.name)}
      ORDER BY ORDINAL_POSITION`,
    params.values,
  );
  const first = rows[0];
  if (!first) return undefined;
  const columns = rows.map((row) => ({ name: String(row.name), type: String(row.type).toLowerCase() }));
  const jsonColumns = new Set(
    columns.filter((column) => column.type === "json").map((column) => column.name),
  );
  if (/mariadb/i.test(first.version) && first.db !== null) {
    for (const name of await mariadbJsonChecks(db, first.db, table.name)) jsonColumns.add(name);
  }
  return { columns, jsonColumns };
}

/** MariaDB's CHECK_CONSTRAINTS has TABLE_NAME (MySQL 8's does not, and MySQL has a real JSON type). */
async function mariadbJsonChecks(db: Queryable, schema: string, table: string): Promise<string[]> {
  const params = new SqlParams();
  const { rows } = await db.query<{ clause: string }>(
    `SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = ${params.add(schema)} AND TABLE_NAME = ${params.add(table)}`,
    params.values,
  );
  const names: string[] = [];
  for (const { clause } of rows) {
    for (const match of String(clause).matchAll(/json_valid\(`([^`]+)`\)/gi)) names.push(match[1] as string);
  }
  return names;
}
