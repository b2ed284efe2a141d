import mysql from "mysql2/promise";
import { TenantSyncError } from "../errors.ts";
import { type ConnectionTarget, scrubPassword } from "./connection-url.ts";
import { formatMysqlQuery } from "./mysql-placeholders.ts";
import { isMysqlJsonField, mysqlTypeCast } from "./mysql-types.ts";
import type { Database, DatabaseOptions, Queryable, QueryResult, Row, Session } from "./queryable.ts";

type MysqlConnection = mysql.Connection | mysql.PoolConnection;

/**
 * MySQL and MariaDB behind the Database interface: a mysql2 promise pool with tenant-sync's type parsing.
 * SQL uses `$1, $2…` like PostgreSQL; formatMysqlQuery binds them with mysql2's escaping (mysql2's own `?`
 * binding is the same client-side escaping, so nothing changes in what reaches the server).
 */
export class MysqlDatabase implements Database {
  readonly dialect = "mysql" as const;
  readonly location: string;
  // Private fields stay out of console.log/inspect output: the pool's options hold the password.
  readonly #pool: mysql.Pool;
  readonly #config: mysql.ConnectionOptions;
  readonly #password: string;
  // Connections that already have their session settings, keyed by the driver's connection object.
  readonly #prepared = new WeakSet<object>();

  constructor(target: ConnectionTarget, options: DatabaseOptions = {}) {
    this.location = target.redacted;
    this.#password = target.password;
    this.#config = {
      uri: target.driverUrl,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      supportBigNumbers: true,
      bigNumberStrings: false,
      // Dates passed as parameters are written in UTC, matching the session time zone set below.
      timezone: "Z",
      typeCast: mysqlTypeCast,
      charset: "utf8mb4",
    };
    this.#pool = mysql.createPool({
      ...this.#config,
      connectionLimit: options.poolSize ?? 4,
      waitForConnections: true,
      enableKeepAlive: true,
    });
    this.#pool.pool.on("error", (error: Error) => options.onIdleError?.(scrubError(error, this.#password)));
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const connection = await this.#connect();
    try {
      return await runQuery<T>(connection, sql, params, this.#password);
    } finally {
      connection.release();
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const connection = await this.#connect();
    const state = { broken: false };
    try {
      return await inTransaction(connection, this.#password, fn, state);
    } finally {
      // A connection whose ROLLBACK failed may still be inside the transaction: destroy it, never reuse it.
      if (state.broken) connection.destroy();
      else connection.release();
    }
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    let connection: mysql.Connection;
    try {
      // Only this dedicated connection accepts several statements per call (migration files, triggers).
      connection = await mysql.createConnection({ ...this.#config, multipleStatements: true });
      await prepareSession(connection);
    } catch (error) {
      throw this.#connectError(error);
    }
    try {
      return await fn(sessionOn(connection, this.#password));
    } finally {
      await connection.end().catch(() => connection.destroy());
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #connect(): Promise<mysql.PoolConnection> {
    let connection: mysql.PoolConnection;
    try {
      connection = await this.#pool.getConnection();
    } catch (error) {
      throw this.#connectError(error);
    }
    if (!this.#prepared.has(connection.connection)) {
      try {
        await prepareSession(connection);
      } catch (error) {
        connection.destroy();
        throw this.#connectError(error);
      }
      this.#prepared.add(connection.connection);
    }
    return connection;
  }

  #connectError(error: unknown): Error {
    const cause = scrubError(error, this.#password);
    return Object.assign(
      new TenantSyncError(`cannot connect to ${this.location}: ${cause.message}`, { cause }),
      {
        code: (cause as { code?: unknown }).code,
      },
    );
  }
}

/** UTC session: TIMESTAMP values are read and written in UTC whatever the server's time zone is. */
async function prepareSession(connection: MysqlConnection): Promise<void> {
  await connection.query("SET time_zone = '+00:00'");
}

function scrubError(error: unknown, password: string): Error {
  const result = error instanceof Error ? error : new Error(String(error));
  result.message = scrubPassword(result.message, password);
  return result;
}

async function runQuery<T>(
  connection: MysqlConnection,
  sql: string,
  params: readonly unknown[],
  password: string,
): Promise<QueryResult<T>> {
  try {
    const [result, fields] = await connection.query(formatMysqlQuery(sql, params));
    if (!Array.isArray(result)) {
      return { rows: [], rowCount: (result as mysql.ResultSetHeader).affectedRows ?? 0, columns: [] };
    }
    return {
      rows: result as T[],
      rowCount: result.length,
      columns: (fields ?? []).map((field) => ({ name: field.name, json: isMysqlJsonField(field) })),
    };
  } catch (error) {
    throw scrubError(error, password);
  }
}

function joined(connection: MysqlConnection, password: string): Queryable {
  const tx: Queryable = {
    dialect: "mysql",
    query: (sql, params = []) => runQuery(connection, sql, params, password),
    transaction: (fn) => fn(tx),
  };
  return tx;
}

async function inTransaction<T>(
  connection: MysqlConnection,
  password: string,
  fn: (tx: Queryable) => Promise<T>,
  state = { broken: false },
): Promise<T> {
  await runQuery(connection, "START TRANSACTION", [], password);
  try {
    const result = await fn(joined(connection, password));
    await runQuery(connection, "COMMIT", [], password);
    return result;
  } catch (error) {
    // The original error is the one worth reporting; a failed ROLLBACK only marks the connection as broken.
    await runQuery(connection, "ROLLBACK", [], password).catch(() => {
      state.broken = true;
    });
    throw error;
  }
}

function sessionOn(connection: mysql.Connection, password: string): Session {
  return {
    dialect: "mysql",
    query: (sql, params = []) => runQuery(connection, sql, params, password),
    transaction: (fn) => inTransaction(connection, password, fn),
    // Several statements return one result per statement (and no field list), so nothing is mapped here.
    runScript: async (sql) => {
      try {
        await connection.query(sql);
      } catch (error) {
        throw scrubError(error, password);
      }
    },
  };
}
