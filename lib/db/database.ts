import { TenantSyncError } from "../errors.ts";
import { parseDatabaseUrl } from "./connection-url.ts";
import { MysqlDatabase } from "./mysql-database.ts";
import { PostgresDatabase } from "./postgres-database.ts";
import type { Database, DatabaseOptions } from "./queryable.ts";

export type { Dialect } from "./dialect.ts";
export type {
  Database,
  DatabaseOptions,
  Queryable,
  QueryResult,
  ResultColumn,
  Row,
  Session,
} from "./queryable.ts";

/**
 * Opens a pool for a postgres://, postgresql://, mysql:// or mariadb:// URL. No connection is made until the
 * first query; errors then name the URL with its password masked ("cannot connect to mysql://u:***@h/db: …").
 */
export function openDatabase(url: string, options: DatabaseOptions = {}): Database {
  const target = parseDatabaseUrl(url);
  const poolSize = options.poolSize ?? 4;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new TenantSyncError(`poolSize for ${target.redacted} must be a positive integer, got ${poolSize}`);
  }
  return target.dialect === "postgres"
    ? new PostgresDatabase(target, options)
    : new MysqlDatabase(target, options);
}
