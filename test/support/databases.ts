import mysql from "mysql2/promise";
import pg from "pg";
import type { Dialect } from "../../lib/db/dialect.ts";
import { stack, uniqueName } from "./stack.ts";
import { dumpStatusRows } from "./status-dump.ts";

/** A database of its own for one test file, so parallel files never see each other's tables. */
export interface ScratchDatabase {
  dialect: Dialect;
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** The stack's server URL for a dialect (the base database, used only to create and drop scratch ones). */
export function serverUrl(dialect: Dialect): string {
  const info = stack();
  return dialect === "postgres" ? info.postgresUrl : info.mariadbUrl;
}

/** Creates an empty database named after `prefix` on the stack's PostgreSQL or MariaDB server. */
export async function createScratchDatabase(dialect: Dialect, prefix: string): Promise<ScratchDatabase> {
  const name = uniqueName(prefix).replaceAll("-", "_").toLowerCase();
  const base = serverUrl(dialect);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const run = (sql: string) =>
    dialect === "postgres"
      ? withPg(base, (client) => client.query(sql))
      : withMysql(base, (connection) => connection.query(sql));
  const quoted = dialect === "postgres" ? `"${name}"` : `\`${name}\``;
  await run(`CREATE DATABASE ${quoted}`);
  return {
    dialect,
    name,
    url: url.toString(),
    drop: async () => {
      await dumpStatusRows(url.toString(), name);
      // FORCE ends sessions a failed test may have left open.
      await run(`DROP DATABASE IF EXISTS ${quoted}${dialect === "postgres" ? " WITH (FORCE)" : ""}`);
    },
  };
}

async function withPg(url: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

async function withMysql(url: string, fn: (connection: mysql.Connection) => Promise<unknown>): Promise<void> {
  const connection = await mysql.createConnection({ uri: url });
  try {
    await fn(connection);
  } finally {
    await connection.end();
  }
}

/** Both dialects, for describe.each: every integration suite runs against PostgreSQL and MariaDB. */
export const DIALECTS: [Dialect][] = [["postgres"], ["mysql"]];
