/**
 * tenant_sync_retry: the sweep's back-off per failed tenant (see retry.ts), next to the status rows that say
 * which tenants fail. Times are on the database's clock, as the lease's are, so sweeps on different hosts
 * agree on when a retry is due.
 */
import type { Dialect } from "../db/dialect.ts";
import { SqlParams } from "../db/params.ts";
import type { Queryable } from "../db/queryable.ts";
import type { Phase } from "../db/status-store.ts";
import { timeText, writeInBatches } from "../db/store-values.ts";

const TABLE = "tenant_sync_retry";

/**
 * Status phases that may heal without a person and so are retried: Held waits for a person by design,
 * Deleted is finished, Ready needs nothing.
 */
export const RETRIED_PHASES: readonly Phase[] = ["Failed", "Conflicted"];

/**
 * A Progressing row is rewritten by each recheck of its tenant (at most a minute apart by default, plus the
 * relay's schedule), so one not written for this long has lost its recheck row (a database restored from a
 * backup): the sweep retries it like a failed tenant, and that reconcile writes a recheck row again. A
 * Progressing tenant whose rechecks run is left to them.
 */
export const PROGRESSING_STALE_SECONDS = 900;

/** The retries the sweep made for one tenant since it last changed (row or template versions). */
export interface RetryState {
  tenantKey: string;
  attempts: number;
  /** When the last retry was started, ISO 8601 in UTC. */
  lastRetryAt: string;
  /** Of the tenant's row and template versions at that retry (retry.ts). */
  fingerprint: string;
}

/** A tenant with at least one status row in a retried phase. */
export interface FailingTenant {
  tenantKey: string;
  /** `set: phase` of each failing status row, for the plan a person reads. */
  failing: string[];
  /** The template sets of those rows. */
  sets: string[];
  /** When the first of those rows entered its phase, ISO 8601 in UTC. */
  since: string;
  retry: RetryState | undefined;
}

const now = (dialect: Dialect) => (dialect === "postgres" ? "now()" : "UTC_TIMESTAMP(3)");
const staleSince = (dialect: Dialect, seconds: string) =>
  dialect === "postgres"
    ? `now() - make_interval(secs => ${seconds})`
    : `UTC_TIMESTAMP(3) - INTERVAL ${seconds} SECOND`;

/**
 * The failing tenants (and those Progressing whose recheck was lost, PROGRESSING_STALE_SECONDS) with their
 * retry state, and the database's time to judge back-offs by.
 */
export async function readFailingTenants(db: Queryable): Promise<{ now: string; tenants: FailingTenant[] }> {
  const clock = await db.query<{ now: unknown }>(`SELECT ${now(db.dialect)} AS now`);
  const params = new SqlParams();
  const phases = RETRIED_PHASES.map((phase) => params.add(phase)).join(", ");
  const { rows } = await db.query<{
    tenant_key: string;
    template_set: string;
    phase: string;
    last_transition_at: unknown;
    attempts: number | string | null;
    last_retry_at: unknown;
    fingerprint: string | null;
  }>(
    `SELECT s.tenant_key, s.template_set, s.phase, s.last_transition_at,
            r.attempts, r.last_retry_at, r.fingerprint
     FROM tenant_sync_status s LEFT JOIN ${TABLE} r ON r.tenant_key = s.tenant_key
     WHERE s.phase IN (${phases})
        OR (s.phase = ${params.add("Progressing")}
            AND s.updated_at < ${staleSince(db.dialect, params.add(PROGRESSING_STALE_SECONDS))})
     ORDER BY s.tenant_key, s.template_set`,
    params.values,
  );
  const tenants = new Map<string, FailingTenant>();
  for (const row of rows) {
    const since = timeText(row.last_transition_at);
    const known = tenants.get(row.tenant_key);
    if (known) {
      known.failing.push(`${row.template_set}: ${row.phase}`);
      known.sets.push(row.template_set);
      if (since < known.since) known.since = since;
      continue;
    }
    tenants.set(row.tenant_key, {
      tenantKey: row.tenant_key,
      failing: [`${row.template_set}: ${row.phase}`],
      sets: [row.template_set],
      since,
      retry: row.attempts === null || row.fingerprint === null ? undefined : retryState(row),
    });
  }
  return { now: timeText(clock.rows[0]?.now), tenants: [...tenants.values()] };
}

/** Records that a retry of each tenant starts now: its attempt number and fingerprint. */
export async function recordRetries(
  db: Queryable,
  retries: readonly { tenantKey: string; attempts: number; fingerprint: string }[],
): Promise<void> {
  if (retries.length === 0) return;
  // Key order, so concurrent writers would lock rows in the same order.
  const rows = [...retries]
    .sort((a, b) => (a.tenantKey < b.tenantKey ? -1 : a.tenantKey > b.tenantKey ? 1 : 0))
    .map((r) => [r.tenantKey, r.attempts, r.fingerprint]);
  await writeInBatches(db, rows, 500, (dialect, params, batch) => {
    const values = batch
      .map(([key, attempts, fingerprint]) => {
        return `(${params.add(key)}, ${params.add(attempts)}, ${now(dialect)}, ${params.add(fingerprint)})`;
      })
      .join(", ");
    const insert = `INSERT INTO ${TABLE} (tenant_key, attempts, last_retry_at, fingerprint) VALUES ${values}`;
    const columns = ["attempts", "last_retry_at", "fingerprint"];
    return dialect === "postgres"
      ? `${insert} ON CONFLICT (tenant_key) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}`
      : `${insert} ON DUPLICATE KEY UPDATE ${columns.map((c) => `${c} = VALUES(${c})`).join(", ")}`;
  });
}

/** Removes the retry state of tenants none of whose status rows fails any more; returns how many went. */
export async function forgetRecovered(db: Queryable): Promise<number> {
  const params = new SqlParams();
  const phases = RETRIED_PHASES.map((phase) => params.add(phase)).join(", ");
  const { rowCount } = await db.query(
    `DELETE FROM ${TABLE} WHERE NOT EXISTS (
       SELECT 1 FROM tenant_sync_status s WHERE s.tenant_key = ${TABLE}.tenant_key AND s.phase IN (${phases}))`,
    params.values,
  );
  return rowCount;
}

/** Every tenant's retry state, by tenant key: what operators and tests look at. */
export async function readRetries(db: Queryable): Promise<RetryState[]> {
  const { rows } = await db.query<{
    tenant_key: string;
    attempts: number | string;
    last_retry_at: unknown;
    fingerprint: string;
  }>(`SELECT tenant_key, attempts, last_retry_at, fingerprint FROM ${TABLE} ORDER BY tenant_key`);
  return rows.map(retryState);
}

function retryState(row: {
  tenant_key: string;
  attempts: number | string | null;
  last_retry_at: unknown;
  fingerprint: string | null;
}): RetryState {
  return {
    tenantKey: row.tenant_key,
    attempts: Number(row.attempts),
    lastRetryAt: timeText(row.last_retry_at),
    fingerprint: String(row.fingerprint),
  };
}
