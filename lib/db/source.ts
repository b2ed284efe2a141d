/**
 * The tenants table (or view) as tenant-sync reads it.
 *
 * The source is any table or view with a unique key column; every other column is passed to templates
 * as is, with the database's types (see column-values.ts). A view is the way to adapt a schema without
 * touching it: join, rename or compute columns (`CREATE VIEW tenant_sync_tenants AS SELECT t.id AS key,
 * t.plan, p.region AS cluster, ...`) and point `table` at the view. Change capture does not go through the
 * view, though: the outbox triggers go on the underlying table(s), and all they emit is the tenant key as
 * the view exposes it, since the sync always re-reads the tenant through the view.
 *
 * Identifiers come from configuration and are validated and quoted before any SQL is built
 * (identifiers.ts). The catalog is read once, on first use, to check that the table and columns exist and
 * to learn which columns hold JSON on servers whose driver cannot tell (source-columns.ts).
 */
import { parseTruthy, TruthinessError } from "../values/truthy.ts";
import { displayName } from "./identifiers.ts";
import { SqlParams } from "./params.ts";
import type { Queryable, ResultColumn, Row } from "./queryable.ts";
import { readSourceShape } from "./source-columns.ts";
import { checkConfig, type Resolved, resolveColumns, type TenantSourceConfig } from "./source-config.ts";
import { duplicateKeyError, TenantRowError, TenantSourceError } from "./source-errors.ts";

export type { TenantSourceConfig } from "./source-config.ts";
export { TenantRowError, TenantSourceError } from "./source-errors.ts";

export interface TenantRecord {
  key: string;
  active: boolean;
  cluster: string;
  /** Every column of the row, key, active and cluster columns included. */
  row: Record<string, unknown>;
}

/** A row that exists but cannot be read as a tenant: it must not be taken for a deleted tenant. */
export interface InvalidTenant {
  key: string;
  error: TenantRowError;
  /** The row; for a duplicated key the first of its rows (all of them are in `error.rows`). */
  row: Row;
}

export interface PageOptions {
  /** Rows per query and per yielded page (default 500, at most 10,000). */
  pageSize?: number;
  /**
   * Called for each row that cannot be read (e.g. an active value that is neither true nor false), which
   * is then left out of its page; once for a key that several rows have, none of which is used. Without it
   * such a row ends the listing with its TenantRowError. A sweep passes this so that one bad row neither stops
   * the sweep nor gets its tenant's objects pruned.
   */
  onInvalid?: (invalid: InvalidTenant) => void;
}

export interface TenantSource {
  /** The table or view, as configured (for messages). */
  readonly table: string;
  /** The tenant with this key, or undefined when no row has it. Throws TenantRowError for an unreadable row. */
  readTenant(key: string): Promise<TenantRecord | undefined>;
  /**
   * All tenants ordered by key, page by page. Keyset pagination (`WHERE key > last ORDER BY key LIMIT n`), so
   * each page costs the same and rows inserted or deleted meanwhile never shift others in or out of pages.
   * A full page also reads every row of its last key, so a key whose rows straddle two pages is still seen
   * as duplicated.
   */
  pageTenants(options?: PageOptions): AsyncGenerator<TenantRecord[]>;
  /** Rows with a non-null key. */
  countTenants(): Promise<number>;
}

type SourceDb = Queryable & { readonly location?: string };

const MAX_PAGE_SIZE = 10_000;

export function createTenantSource(db: SourceDb, config: TenantSourceConfig): TenantSource {
  const settings = checkConfig(db.dialect, config);
  const tableName = displayName(settings.table);
  const location = db.location ?? `the ${db.dialect} database`;
  let resolving: Promise<Resolved> | undefined;

  // Read the catalog once; a failure is not cached, so a table created later is found on the next call.
  const resolved = (): Promise<Resolved> => {
    resolving ??= readSourceShape(db, settings.table, location)
      .then((shape) => resolveColumns(db.dialect, settings, shape, location))
      .catch((error: unknown) => {
        resolving = undefined;
        throw error;
      });
    return resolving;
  };

  const toRecord = (row: Row, columns: ResultColumn[], r: Resolved): TenantRecord => {
    const key = keyText(row[r.key]);
    for (const column of columns) {
      const value = row[column.name];
      if (column.json || typeof value !== "string" || !r.jsonColumns.has(column.name)) continue;
      try {
        row[column.name] = JSON.parse(value);
      } catch (error) {
        throw new TenantRowError(
          { table: tableName, column: column.name, tenantKey: key, value, rows: [row] },
          `column "${column.name}" should hold JSON but does not parse (${(error as Error).message})`,
        );
      }
    }
    return { key, active: readActive(row, r, key), cluster: readCluster(row, r), row };
  };

  // Every row with the key is read, so that a duplicated key is reported (with its count) instead of one of
  // its rows being taken for the tenant.
  const toTenant = (key: string, rows: Row[], columns: ResultColumn[], r: Resolved): TenantRecord => {
    if (rows.length > 1) {
      throw duplicateKeyError({ table: tableName, column: r.key, tenantKey: key, rows }, rows.length);
    }
    return toRecord(rows[0] as Row, columns, r);
  };

  const readActive = (row: Row, r: Resolved, key: string): boolean => {
    if (r.active === undefined) return true;
    const value = row[r.active];
    try {
      return parseTruthy(value, r.active);
    } catch (error) {
      if (!(error instanceof TruthinessError)) throw error;
      throw new TenantRowError(
        { table: tableName, column: r.active, tenantKey: key, value, rows: [row] },
        error.message,
      );
    }
  };

  const readCluster = (row: Row, r: Resolved): string => {
    const value = r.cluster === undefined ? undefined : row[r.cluster];
    if (value === undefined || value === null || value === "") return settings.defaultCluster;
    return typeof value === "string" ? value : String(value);
  };

  // MySQL compares a BIGINT with a string or number parameter as a double, which rounds keys above 2^53;
  // comparing with a DECIMAL is exact.
  const bindKey = (params: SqlParams, value: unknown, r: Resolved): string =>
    db.dialect === "mysql" && r.integerKey
      ? `CAST(${params.add(value)} AS DECIMAL(65,0))`
      : params.add(value);

  /** Every row with this key, equal as the database compares keys (a MariaDB collation may ignore case). */
  const rowsWithKey = (value: unknown, r: Resolved) => {
    const params = new SqlParams();
    return db.query(
      `SELECT * FROM ${settings.tableSql} WHERE ${r.keySql} = ${bindKey(params, value, r)}`,
      params.values,
    );
  };

  return {
    table: tableName,

    async readTenant(key) {
      if (typeof key !== "string" || key === "") {
        throw new TenantSourceError(`tenant source ${tableName}: a tenant key must be a non-empty string`);
      }
      const r = await resolved();
      // An integer key column cannot hold "abc"; MySQL would compare it as 0 and find tenant 0.
      if (r.integerKey && !/^-?\d+$/.test(key)) return undefined;
      const { rows, columns } = await rowsWithKey(key, r);
      return rows.length === 0 ? undefined : toTenant(key, rows, columns, r);
    },

    async *pageTenants(options = {}) {
      const pageSize = options.pageSize ?? 500;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
        throw new TenantSourceError(
          `tenant source ${tableName}: pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`,
        );
      }
      const r = await resolved();
      let after: unknown;
      let first = true;
      for (;;) {
        const params = new SqlParams();
        const where = first ? `${r.keySql} IS NOT NULL` : `${r.keySql} > ${bindKey(params, after, r)}`;
        const { rows, columns } = await db.query(
          `SELECT * FROM ${settings.tableSql} WHERE ${where} ORDER BY ${r.keySql} LIMIT ${params.add(pageSize)}`,
          params.values,
        );
        let scanned = rows;
        if (rows.length === pageSize) {
          // The raw key (not its text) continues the scan, so integer keys compare as integers.
          after = (rows[rows.length - 1] as Row)[r.key];
          // The last key's rows may go on past this page, where `> after` would skip them: all of them are read
          // now, in place of those at the end of this page.
          const rest = await rowsWithKey(after, r);
          const restKeys = new Set(rest.rows.map((row) => keyText(row[r.key])));
          let end = rows.length;
          while (end > 0 && restKeys.has(keyText((rows[end - 1] as Row)[r.key]))) end--;
          scanned = [...rows.slice(0, end), ...rest.rows];
        }
        const page: TenantRecord[] = [];
        for (const [key, keyRows] of groupByKey(scanned, r.key)) {
          try {
            page.push(toTenant(key, keyRows, columns, r));
          } catch (error) {
            if (!(error instanceof TenantRowError) || !options.onInvalid) throw error;
            options.onInvalid({ key: error.tenantKey, error, row: keyRows[0] as Row });
          }
        }
        if (page.length > 0) yield page;
        if (rows.length < pageSize) return;
        first = false;
      }
    },

    async countTenants() {
      const r = await resolved();
      const { rows } = await db.query<{ count: number | string }>(
        `SELECT COUNT(*) AS count FROM ${settings.tableSql} WHERE ${r.keySql} IS NOT NULL`,
      );
      return Number(rows[0]?.count ?? 0);
    },
  };
}

/** Rows by key text, keys in the order the rows came (rows of one key need not be adjacent under a collation). */
function groupByKey(rows: readonly Row[], keyColumn: string): Map<string, Row[]> {
  return Map.groupBy(rows, (row) => keyText(row[keyColumn]));
}

function keyText(value: unknown): string {
  return typeof value === "string" ? value : String(value);
}
