/**
 * Installs and removes the outbox triggers on the tenants table (SQL in trigger-sql*.ts). Both are
 * idempotent: installing again replaces the triggers (after a change of key column, or of tenant-sync's
 * trigger code), removing twice is harmless.
 */
import type { Database } from "../../db/queryable.ts";
import { TenantSyncError } from "../../errors.ts";
import { lookupTable, resolvePlacement } from "./table-placement.ts";
import { triggerSql } from "./trigger-sql.ts";
import type { TriggerConfig } from "./trigger-target.ts";

export { triggerSql } from "./trigger-sql.ts";
export type { TriggerConfig, TriggerPlacement, TriggerSql } from "./trigger-target.ts";

export async function installTriggers(db: Database, config: TriggerConfig): Promise<void> {
  // Checked before any catalog query, so a bad identifier is reported as such.
  triggerSql(db.dialect, config);
  const placement = await resolvePlacement(db, config, db.location);
  const { install } = triggerSql(db.dialect, config, placement);
  await run(db, install, `installing outbox triggers on ${config.table}`);
}

/** Removes the triggers (and PostgreSQL's function); a table that no longer exists is not an error. */
export async function removeTriggers(db: Database, config: TriggerConfig): Promise<void> {
  triggerSql(db.dialect, config);
  // The function and triggers live in the table's schema, which need not be first on the search path.
  const table = await lookupTable(db, config);
  const { remove } = triggerSql(db.dialect, config, { tableSchema: table?.schema });
  await run(db, remove, `removing outbox triggers from ${config.table}`);
}

/**
 * One dedicated connection: PostgreSQL runs the statements in one transaction (atomic replacement); MySQL's
 * LOCK TABLES belongs to the session, and ending the session releases it even when a statement failed.
 */
async function run(db: Database, statements: readonly string[], what: string): Promise<void> {
  try {
    await db.withSession(async (session) => {
      const all = async () => {
        for (const sql of statements) await session.query(sql);
      };
      if (session.dialect === "postgres") await session.transaction(all);
      else await all();
    });
  } catch (error) {
    throw new TenantSyncError(`${what} in ${db.location} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
