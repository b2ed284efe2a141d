import pg from "pg";
import { TenantSyncError } from "../errors.ts";
import { type ConnectionTarget, scrubPassword } from "./connection-url.ts";
import { isPostgresJsonType, postgresTypes } from "./postgres-types.ts";
import type { Database, DatabaseOptions, Queryable, QueryResult, Row, Session } from "./queryable.ts";

type PgClient = pg.Client | pg.PoolClient;

/** PostgreSQL behind the Database interface: a pg.Pool with tenant-sync's type parsing. */
export class PostgresDatabase implements Database {
  readonly dialect = "postgres" as const;
  readonly location: string;
  // Private fields stay out of console.log/inspect output: the pool's options hold the password.
  readonly #pool: pg.Pool;
  readonly #config: pg.ClientConfig;
  readonly #password: string;

  constructor(target: ConnectionTarget, options: DatabaseOptions = {}) {
    this.location = target.redacted;
    this.#password = target.password;
    this.#config = {
      connectionString: target.driverUrl,
      types: postgresTypes,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: "tenant-sync",
    };
    this.#pool = new pg.Pool({ ...this.#config, max: options.poolSize ?? 4, allowExitOnIdle: true });
    // Without a listener an idle connection's error (server restart) would crash the process.
    this.#pool.on("error", (error) => options.onIdleError?.(this.#scrub(error)));
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const client = await this.#connect();
    const lost = watchCheckedOut(client);
    try {
      return await runQuery<T>(client, sql, params, this.#password);
    } finally {
      lost.stop();
      client.release(lost.error);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    const state = { broken: false };
    const lost = watchCheckedOut(client);
    try {
      return await inTransaction(client, this.#password, fn, state);
    } finally {
      lost.stop();
      // A connection whose ROLLBACK failed may still be inside the transaction: destroy it, never reuse it.
      client.release(lost.error ?? state.broken);
    }
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const client = new pg.Client(this.#config);
    // As for pooled connections: a lost session fails its next query instead of crashing the process.
    client.on("error", () => {});
    try {
      await client.connect();
    } catch (error) {
      throw this.#connectError(error);
    }
    try {
      return await fn(sessionOn(client, this.#password));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw this.#connectError(error);
    }
  }

  #connectError(error: unknown): Error {
    const cause = this.#scrub(error);
    return Object.assign(
      new TenantSyncError(`cannot connect to ${this.location}: ${cause.message}`, { cause }),
      {
        code: (cause as { code?: unknown }).code,
      },
    );
  }

  #scrub(error: unknown): Error {
    return scrubError(error, this.#password);
  }
}

/**
 * pg-pool listens for errors of idle connections only. A connection that is checked out but between two
 * queries (a transaction awaiting something else, like the relay's SQS send) and loses its server (restart,
 * pg_terminate_backend) emits 'error' with no listener, which ends the process. This listener takes the
 * error instead; the next query on the connection fails anyway, and release destroys it.
 */
function watchCheckedOut(client: pg.PoolClient): { error: Error | undefined; stop(): void } {
  const watch = {
    error: undefined as Error | undefined,
    stop: () => client.off("error", onError),
  };
  const onError = (error: Error) => {
    watch.error = error;
  };
  client.on("error", onError);
  return watch;
}

function scrubError(error: unknown, password: string): Error {
  const result = error instanceof Error ? error : new Error(String(error));
  result.message = scrubPassword(result.message, password);
  return result;
}

async function runQuery<T>(
  client: PgClient,
  sql: string,
  params: readonly unknown[],
  password: string,
): Promise<QueryResult<T>> {
  try {
    const results: pg.QueryResult | pg.QueryResult[] = await client.query(sql, params as unknown[]);
    // A script with several statements yields one result each; the last one stands for the script.
    const result = Array.isArray(results) ? (results.at(-1) as pg.QueryResult) : results;
    return {
      rows: result.rows as T[],
      rowCount: result.rowCount ?? result.rows.length,
      columns: (result.fields ?? []).map((field) => ({
        name: field.name,
        json: isPostgresJsonType(field.dataTypeID),
      })),
    };
  } catch (error) {
    throw scrubError(error, password);
  }
}

function joined(client: PgClient, password: string): Queryable {
  const tx: Queryable = {
    dialect: "postgres",
    query: (sql, params = []) => runQuery(client, sql, params, password),
    transaction: (fn) => fn(tx),
  };
  return tx;
}

async function inTransaction<T>(
  client: PgClient,
  password: string,
  fn: (tx: Queryable) => Promise<T>,
  state = { broken: false },
): Promise<T> {
  await runQuery(client, "BEGIN", [], password);
  try {
    const result = await fn(joined(client, password));
    await runQuery(client, "COMMIT", [], password);
    return result;
  } catch (error) {
    // The original error is the one worth reporting; a failed ROLLBACK only marks the connection as broken.
    await runQuery(client, "ROLLBACK", [], password).catch(() => {
      state.broken = true;
    });
    throw error;
  }
}

function sessionOn(client: pg.Client, password: string): Session {
  return {
    dialect: "postgres",
    query: (sql, params = []) => runQuery(client, sql, params, password),
    transaction: (fn) => inTransaction(client, password, fn),
    runScript: async (sql) => {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await runQuery(client, sql, [], password);
    },
  };
}
