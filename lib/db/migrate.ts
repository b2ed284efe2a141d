import { TenantSyncError } from "../errors.ts";
import { defaultMigrationsDirectory, listMigrations, type Migration } from "./migration-files.ts";
import { SqlParams } from "./params.ts";
import type { Database, Session } from "./queryable.ts";

export { defaultMigrationsDirectory, listMigrations, type Migration } from "./migration-files.ts";

export interface MigrateOptions {
  /** Where the NNN_name.sql files are; default lib/db/migrations/<dialect>/ (see defaultMigrationsDirectory). */
  directory?: string;
  /** How long to wait for another process's migration run to finish (default 60 s). */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  /** Ids applied by this call, in order. */
  applied: string[];
  /** Ids that were already recorded. */
  alreadyApplied: string[];
}

/**
 * Applies every migration not yet recorded in tenant_sync_migrations, in order, each once.
 *
 * Several processes may start at once (Lambdas after a deploy, parallel tests): the whole run holds an
 * advisory lock on a dedicated session (pg_advisory_lock / GET_LOCK), so the second process waits, then finds
 * everything recorded and does nothing. The lock belongs to the session, so a crashed process releases it.
 *
 * PostgreSQL runs each file and its record in one transaction: a failed file leaves no trace. MySQL commits
 * every DDL statement on its own, so a failed file can be half applied; MySQL migrations are therefore
 * written to be re-runnable (IF NOT EXISTS, CREATE OR REPLACE) and are recorded only once they succeeded.
 */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await listMigrations(
    db.dialect,
    options.directory ?? defaultMigrationsDirectory(db.dialect),
  );
  const lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  return db.withSession(async (session) => {
    await lock(session, lockTimeoutMs, db.location);
    try {
      await session.runScript(bookkeepingTable(db.dialect));
      const { rows } = await session.query<{ id: string }>("SELECT id FROM tenant_sync_migrations");
      const done = new Set(rows.map((row) => row.id));
      const result: MigrateResult = { applied: [], alreadyApplied: [] };
      for (const migration of migrations) {
        if (done.has(migration.id)) {
          result.alreadyApplied.push(migration.id);
          continue;
        }
        await apply(session, migration, db.location);
        result.applied.push(migration.id);
      }
      return result;
    } finally {
      await unlock(session).catch(() => undefined);
    }
  });
}

function bookkeepingTable(dialect: Database["dialect"]): string {
  return dialect === "postgres"
    ? `CREATE TABLE IF NOT EXISTS tenant_sync_migrations (
         id varchar(255) PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`
    : `CREATE TABLE IF NOT EXISTS tenant_sync_migrations (
         id VARCHAR(255) NOT NULL PRIMARY KEY,
         applied_at DATETIME(3) NOT NULL
       ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`;
}

async function apply(session: Session, migration: Migration, location: string): Promise<void> {
  const record = new SqlParams();
  const insert =
    session.dialect === "postgres"
      ? `INSERT INTO tenant_sync_migrations (id, applied_at) VALUES (${record.add(migration.id)}, now())`
      : `INSERT INTO tenant_sync_migrations (id, applied_at) VALUES (${record.add(migration.id)}, UTC_TIMESTAMP(3))`;
  try {
    if (session.dialect === "postgres") {
      await session.transaction(async (tx) => {
        await session.runScript(migration.sql);
        await tx.query(insert, record.values);
      });
    } else {
      await session.runScript(migration.sql);
      await session.query(insert, record.values);
    }
  } catch (error) {
    throw new TenantSyncError(
      `migration ${migration.file} failed on ${location}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

// Advisory locks are per database in PostgreSQL but per server in MySQL, so MySQL's lock name carries the
// database name: migrating two databases on one server does not serialise them. GET_LOCK names are at most
// 64 characters, hence the prefix of the name only.
const PG_LOCK = "hashtext('tenant_sync_migrate')";
const MYSQL_LOCK = "CONCAT('tenant_sync_migrate.', LEFT(COALESCE(DATABASE(), ''), 40))";

async function lock(session: Session, timeoutMs: number, location: string): Promise<void> {
  const timedOut = () =>
    new TenantSyncError(
      `another process has held the tenant-sync migration lock on ${location} for ${timeoutMs} ms; ` +
        "it may still be migrating (try again), or be stuck (end that session)",
    );
  if (session.dialect === "postgres") {
    const params = new SqlParams();
    // lock_timeout bounds the wait for the advisory lock like any other lock; reset before migrating.
    await session.query(
      `SELECT set_config('lock_timeout', ${params.add(`${timeoutMs}ms`)}, false)`,
      params.values,
    );
    try {
      await session.query(`SELECT pg_advisory_lock(${PG_LOCK})`);
    } catch (error) {
      if ((error as { code?: string }).code === "55P03") throw timedOut();
      throw error;
    } finally {
      await session.query("RESET lock_timeout");
    }
    return;
  }
  const params = new SqlParams();
  const { rows } = await session.query<{ locked: number | boolean | null }>(
    `SELECT GET_LOCK(${MYSQL_LOCK}, ${params.add(Math.ceil(timeoutMs / 1000))}) AS locked`,
    params.values,
  );
  const locked = rows[0]?.locked;
  if (locked !== 1 && locked !== true) throw timedOut();
}

async function unlock(session: Session): Promise<void> {
  if (session.dialect === "postgres") await session.query(`SELECT pg_advisory_unlock(${PG_LOCK})`);
  else await session.query(`SELECT RELEASE_LOCK(${MYSQL_LOCK})`);
}
