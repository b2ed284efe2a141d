import type { Database, Queryable } from "../../db/queryable.ts";

/**
 * Where the relay and trimming run their transactions.
 *
 * PostgreSQL: the pool; READ COMMITTED (its default) and row locks only, so a relay holding a batch never
 * blocks the application's writes.
 *
 * MySQL/MariaDB: one dedicated session in READ COMMITTED. Under InnoDB's default REPEATABLE READ, the
 * relay's `FOR UPDATE SKIP LOCKED` scan also takes a gap lock past the last unsent row, exactly where the next
 * trigger-written outbox row goes: every write to the tenants table would then wait until the relay's SQS
 * calls finished (measured: a concurrent insert timed out under REPEATABLE READ, went through at once under
 * READ COMMITTED). The isolation level can only be set per session or before a transaction starts, neither of
 * which a pooled transaction allows without leaking the setting, hence a session of its own per run.
 */
export async function withOutboxConnection<T>(db: Database, fn: (conn: Queryable) => Promise<T>): Promise<T> {
  if (db.dialect === "postgres") return fn(db);
  return db.withSession(async (session) => {
    await session.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    return fn(session);
  });
}
