import type { Dialect } from "./dialect.ts";

export type Row = Record<string, unknown>;

/** A result column: its name, and whether the driver already turned the JSON text into a value. */
export interface ResultColumn {
  name: string;
  json: boolean;
}

export interface QueryResult<T = Row> {
  rows: T[];
  /** Rows returned by a SELECT, or rows changed by INSERT/UPDATE/DELETE (MySQL counts an upsert's update as 2). */
  rowCount: number;
  columns: ResultColumn[];
}

/**
 * Anything SQL can be sent to: the pool, a transaction, a dedicated session. Placeholders are `$1, $2…` in
 * both dialects (MySQL's are bound by mysql-placeholders.ts), so SQL that is the same in both is written once;
 * SqlParams numbers them while a statement is built.
 */
export interface Queryable {
  readonly dialect: Dialect;
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /**
   * Runs fn in one transaction: committed when fn resolves, rolled back when it throws. Called on a
   * transaction it joins that transaction (no savepoints), so store functions can open one without caring
   * whether their caller already did.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** One dedicated connection, for session state such as advisory locks, and for multi-statement scripts. */
export interface Session extends Queryable {
  /** Runs SQL text holding several statements (a migration file). No parameters. */
  runScript(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  /** The URL with the password masked: what to print when saying which database is meant. */
  readonly location: string;
  /**
   * Runs fn on a fresh connection outside the pool, closed afterwards, so session state (locks, settings)
   * can never leak into a pooled connection.
   */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Pooled connections (default 4). A Lambda handles one event at a time: 1 or 2 is plenty there. */
  poolSize?: number;
  /** How long to wait for a connection to open (default 10 s). */
  connectTimeoutMs?: number;
  /** Errors of idle pooled connections (server restart, network). They are dropped from the pool either way. */
  onIdleError?: (error: Error) => void;
}
