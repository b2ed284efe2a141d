/**
 * Recheck rows: "look at tenant K again once not_before has passed", written by the sync when objects it applied
 * are not ready yet (docs/engine.md, "The deadline and the recheck"). The relay sends them like any outbox row once
 * they are due (claimUnsent), so the wait is a row in the database: no Lambda sits idle, nothing is lost when one
 * is killed, and a slow tenant never uses up the receives that would dead-letter its message.
 */
import { SqlParams } from "../../db/params.ts";
import type { Queryable } from "../../db/queryable.ts";
import { OUTBOX_TABLE, RECHECK_OPERATION } from "./outbox.ts";

/**
 * Writes a recheck row for the tenant due in `delaySeconds` (database clock), unless one is already waiting
 * unsent: two reconciles of one tenant (a row change while a recheck was in flight) then share one chain of
 * rechecks instead of starting two. Returns whether a row was written.
 */
export async function scheduleRecheck(
  db: Queryable,
  tenantKey: string,
  delaySeconds: number,
): Promise<boolean> {
  const params = new SqlParams();
  // Whole seconds: MySQL's INTERVAL ... SECOND takes integers everywhere; a recheck is never that precise.
  // Each value is bound once per use: PostgreSQL cannot type one parameter both as a column and a value.
  const delay = params.add(Math.max(0, Math.ceil(delaySeconds)));
  const notBefore =
    db.dialect === "postgres"
      ? `now() + make_interval(secs => ${delay})`
      : `UTC_TIMESTAMP(3) + INTERVAL ${delay} SECOND`;
  // One statement: one round trip, and the window for a concurrent reconcile of the same tenant to add a
  // second row shrinks to it (were it to happen, the cost is one more recheck, not a wrong result).
  // table_name says where a change came from; a recheck comes from tenant-sync itself.
  const written = await db.query(
    `INSERT INTO ${OUTBOX_TABLE} (tenant_key, operation, table_name, not_before)
     SELECT ${params.add(tenantKey)}, ${params.add(RECHECK_OPERATION)}, ${params.add("tenant_sync")}, ${notBefore}
     FROM (SELECT 1 AS one) AS once
     WHERE NOT EXISTS (SELECT 1 FROM ${OUTBOX_TABLE}
                       WHERE sent_at IS NULL AND tenant_key = ${params.add(tenantKey)}
                         AND operation = ${params.add(RECHECK_OPERATION)})`,
    params.values,
  );
  return written.rowCount > 0;
}
