/**
 * tenant_sync_lease: named leases with expiry, so that one sweep at a time acts on the fleet. A lease row
 * is taken in a transaction that locks it (SELECT ... FOR UPDATE), on the database's clock, so two sweeps
 * starting together serialise on the row and the second sees the first's expiry. A holder that dies loses
 * the lease when it expires; nothing has to clean up after it.
 */
import type { Dialect } from "../db/dialect.ts";
import { SqlParams } from "../db/params.ts";
import type { Queryable } from "../db/queryable.ts";
import { TenantSyncError } from "../errors.ts";

export type LeaseResult = { acquired: true } | { acquired: false; holder: string; expiresAt: string };

const TABLE = "tenant_sync_lease";

// A time long past, for the placeholder row (not now(): stored at millisecond precision it can round up).
const EPOCH = "'2000-01-01 00:00:00'";
const now = (dialect: Dialect) => (dialect === "postgres" ? "now()" : "UTC_TIMESTAMP(3)");
const later = (dialect: Dialect, seconds: string) =>
  dialect === "postgres"
    ? `now() + make_interval(secs => ${seconds})`
    : `UTC_TIMESTAMP(3) + INTERVAL ${seconds} SECOND`;

function checkSeconds(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new TenantSyncError(`lease duration must be a positive whole number of seconds, got ${seconds}`);
  }
  return seconds;
}

/** Takes the lease `name` for `holder` unless someone else holds an unexpired one. */
export async function acquireLease(
  db: Queryable,
  name: string,
  holder: string,
  seconds: number,
): Promise<LeaseResult> {
  checkSeconds(seconds);
  return db.transaction(async (tx) => {
    const dialect = tx.dialect;
    // The row must exist before it can be locked; a long-expired placeholder changes nothing if it already does.
    const seed = new SqlParams();
    const values = `(${seed.add(name)}, '', ${EPOCH}, ${EPOCH})`;
    await tx.query(
      dialect === "postgres"
        ? `INSERT INTO ${TABLE} (name, holder, acquired_at, expires_at) VALUES ${values} ON CONFLICT (name) DO NOTHING`
        : `INSERT INTO ${TABLE} (name, holder, acquired_at, expires_at) VALUES ${values} ON DUPLICATE KEY UPDATE name = name`,
      seed.values,
    );
    const read = new SqlParams();
    const { rows } = await tx.query<{ holder: string; expires_at: string; free: unknown }>(
      `SELECT holder, expires_at, (expires_at <= ${now(dialect)} OR holder = ${read.add(holder)}) AS free
       FROM ${TABLE} WHERE name = ${read.add(name)} FOR UPDATE`,
      read.values,
    );
    const row = rows[0];
    if (!row)
      throw new TenantSyncError(`${TABLE}: the row for lease ${name} vanished while it was being taken`);
    if (!(row.free === true || row.free === 1 || row.free === "1")) {
      return { acquired: false, holder: row.holder, expiresAt: String(row.expires_at) };
    }
    const take = new SqlParams();
    await tx.query(
      `UPDATE ${TABLE} SET holder = ${take.add(holder)}, acquired_at = ${now(dialect)},
         expires_at = ${later(dialect, take.add(seconds))}
       WHERE name = ${take.add(name)}`,
      take.values,
    );
    return { acquired: true };
  });
}

/** Extends a lease this holder still has; false when it expired and someone else took it meanwhile. */
export async function renewLease(
  db: Queryable,
  name: string,
  holder: string,
  seconds: number,
): Promise<boolean> {
  checkSeconds(seconds);
  const params = new SqlParams();
  await db.query(
    `UPDATE ${TABLE} SET expires_at = ${later(db.dialect, params.add(seconds))}
     WHERE name = ${params.add(name)} AND holder = ${params.add(holder)}`,
    params.values,
  );
  // Read back rather than trust the row count: MySQL counts only changed rows unless told otherwise.
  return (await leaseHolder(db, name))?.holder === holder;
}

/** Gives the lease up at once (it expired long ago, as far as the next taker can tell), if this holder still has it. */
export async function releaseLease(db: Queryable, name: string, holder: string): Promise<void> {
  const params = new SqlParams();
  await db.query(
    `UPDATE ${TABLE} SET expires_at = ${EPOCH} WHERE name = ${params.add(name)} AND holder = ${params.add(holder)}`,
    params.values,
  );
}

/** Who holds the lease and until when (possibly expired), or undefined when it was never taken. */
export async function leaseHolder(
  db: Queryable,
  name: string,
): Promise<{ holder: string; expiresAt: string } | undefined> {
  const params = new SqlParams();
  const { rows } = await db.query<{ holder: string; expires_at: string }>(
    `SELECT holder, expires_at FROM ${TABLE} WHERE name = ${params.add(name)}`,
    params.values,
  );
  const row = rows[0];
  return row ? { holder: row.holder, expiresAt: String(row.expires_at) } : undefined;
}
