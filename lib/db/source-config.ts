/**
 * The tenant source's configuration: checked (identifiers validated and quoted) before any SQL exists, then
 * matched against the catalog once the table is known.
 */
import type { Dialect } from "./dialect.ts";
import {
  checkIdentifier,
  displayName,
  parseQualifiedName,
  type QualifiedName,
  quoteIdentifier,
  quoteQualifiedName,
} from "./identifiers.ts";
import type { SourceShape } from "./source-columns.ts";
import { TenantSourceError } from "./source-errors.ts";

export interface TenantSourceConfig {
  /** Table or view, optionally schema-qualified (`tenants`, `app.tenants`). */
  table: string;
  /** Unique, non-null column identifying a tenant; rows whose key is NULL are not tenants and are skipped. */
  keyColumn: string;
  /** Column saying whether the tenant should exist in clusters; without it every row is active. */
  activeColumn?: string;
  /** Column naming the tenant's cluster; NULL or '' (and no column at all) mean defaultCluster. */
  clusterColumn?: string;
  defaultCluster: string;
  /**
   * Text columns to read as JSON when the driver does not already do so: JSON kept in PostgreSQL text
   * columns, or a MariaDB view's JSON columns behind a connection without extended metadata.
   */
  jsonColumns?: string[];
}

export interface Settings {
  table: QualifiedName;
  tableSql: string;
  keyColumn: string;
  activeColumn: string | undefined;
  clusterColumn: string | undefined;
  defaultCluster: string;
  jsonColumns: string[];
}

/** Column names as the database spells them, and how to bind a key value. */
export interface Resolved {
  key: string;
  keySql: string;
  active: string | undefined;
  cluster: string | undefined;
  integerKey: boolean;
  jsonColumns: Set<string>;
}

/** Validates the configuration before any SQL exists; identifiers are checked here and quoted once. */
export function checkConfig(dialect: Dialect, config: TenantSourceConfig): Settings {
  const table = parseQualifiedName(config.table, "tenant source table");
  const optional = (value: string | undefined, what: string) =>
    value === undefined || value === "" ? undefined : checkIdentifier(value, what);
  if (typeof config.defaultCluster !== "string" || config.defaultCluster.trim() === "") {
    throw new TenantSourceError(
      `tenant source ${displayName(table)}: defaultCluster must name a cluster (it is used for rows without one)`,
    );
  }
  return {
    table,
    tableSql: quoteQualifiedName(dialect, table),
    keyColumn: checkIdentifier(config.keyColumn, "tenant source keyColumn"),
    activeColumn: optional(config.activeColumn, "tenant source activeColumn"),
    clusterColumn: optional(config.clusterColumn, "tenant source clusterColumn"),
    defaultCluster: config.defaultCluster,
    jsonColumns: (config.jsonColumns ?? []).map((name) =>
      checkIdentifier(name, "tenant source jsonColumns entry"),
    ),
  };
}

/**
 * Matches configured column names with the catalog's. PostgreSQL names are exact (they are quoted); MySQL
 * column names are case-insensitive, so `Active` finds `active`, and rows are then read under the
 * database's spelling.
 */
export function resolveColumns(
  dialect: Dialect,
  settings: Settings,
  shape: SourceShape,
  location: string,
): Resolved {
  const find = (name: string, setting: string): string => {
    const exact = shape.columns.find((column) => column.name === name);
    const match =
      exact ??
      (dialect === "mysql"
        ? shape.columns.find((column) => column.name.toLowerCase() === name.toLowerCase())
        : undefined);
    if (match) return match.name;
    throw new TenantSourceError(
      `tenant source: column "${name}" (${setting}) not found in table or view "${displayName(settings.table)}" ` +
        `of ${location}; its columns are ${shape.columns.map((column) => column.name).join(", ") || "(none)"}`,
    );
  };
  const key = find(settings.keyColumn, "keyColumn");
  const keyType = shape.columns.find((column) => column.name === key)?.type ?? "";
  const jsonColumns = new Set(shape.jsonColumns);
  for (const name of settings.jsonColumns) jsonColumns.add(find(name, "jsonColumns"));
  return {
    key,
    keySql: quoteIdentifier(dialect, key, "key column"),
    active: settings.activeColumn === undefined ? undefined : find(settings.activeColumn, "activeColumn"),
    cluster: settings.clusterColumn === undefined ? undefined : find(settings.clusterColumn, "clusterColumn"),
    integerKey: /^(tinyint|smallint|mediumint|int|integer|bigint)\b/i.test(keyType),
    jsonColumns,
  };
}
