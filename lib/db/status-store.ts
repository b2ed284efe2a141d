/**
 * tenant_sync_status: one row per tenant and template set, saying where that tenant stands. Applications
 * read it with plain SQL; the functions here are how tenant-sync writes and reads it.
 */
import { TenantSyncError } from "../errors.ts";
import type { Dialect } from "./dialect.ts";
import { SqlParams } from "./params.ts";
import type { Queryable, Row } from "./queryable.ts";
import {
  checkCount,
  checkOptionalText,
  checkText,
  checkTime,
  LIMITS,
  shortValue,
  timeText,
  writeInBatches,
} from "./store-values.ts";

export const PHASES = ["Pending", "Progressing", "Ready", "Failed", "Conflicted", "Deleted", "Held"] as const;
export type Phase = (typeof PHASES)[number];

export const isPhase = (value: unknown): value is Phase => (PHASES as readonly unknown[]).includes(value);

export interface StatusRecord {
  tenantKey: string;
  templateSet: string;
  phase: Phase;
  desired: number;
  ready: number;
  failed: number;
  skipped: number;
  appliedHash: string | null;
  templateVersion: string | null;
  /** What went wrong and what a person can do about it; null when all is well. */
  message: string | null;
  cluster: string | null;
  /** When the cluster was looked at. Written as given, or the database's current time when omitted. */
  observedAt?: string | Date;
  /** Set by the database on every write; ignored on input. */
  updatedAt?: string;
  /** Set by the database when the phase changes; ignored on input. */
  lastTransitionAt?: string;
}

/** A row as read back: every time is present, as an ISO 8601 string in UTC. */
export type StoredStatus = StatusRecord & { observedAt: string; updatedAt: string; lastTransitionAt: string };

/** What every Deleted row says, whoever removed the set (a teardown, the sweep): nothing desired or applied. */
export const DELETED_STATUS = {
  phase: "Deleted",
  desired: 0,
  ready: 0,
  failed: 0,
  skipped: 0,
  appliedHash: null,
} as const satisfies Partial<StatusRecord>;

const BATCH = 500;

const COLUMNS =
  "tenant_key, template_set, phase, desired, ready, failed, skipped, applied_hash, template_version, message, " +
  "cluster, observed_at, updated_at, last_transition_at";

/**
 * Inserts or updates rows by (tenantKey, templateSet), in one transaction. updated_at is always the
 * database's time; last_transition_at moves only when the phase differs from the stored one, so it says
 * since when a tenant has been Failed or Ready.
 *
 * Rows are written in key order, so two concurrent batches lock rows in the same order and cannot
 * deadlock each other. The same key twice in one batch is an error: which one should win is a caller bug.
 */
export async function upsertStatus(db: Queryable, rows: readonly StatusRecord[]): Promise<void> {
  if (rows.length === 0) return;
  const checked = rows.map(checkStatus);
  const seen = new Set<string>();
  for (const row of checked) {
    const id = JSON.stringify([row[0], row[1]]);
    if (seen.has(id)) {
      throw new TenantSyncError(
        `tenant_sync_status: tenant ${shortValue(row[0])}, template set ${shortValue(row[1])} ` +
          "appears twice in one upsert",
      );
    }
    seen.add(id);
  }
  checked.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  await writeInBatches(db, checked, BATCH, upsertSql);
}

function upsertSql(dialect: Dialect, params: SqlParams, batch: unknown[][]): string {
  const postgres = dialect === "postgres";
  const now = postgres ? "now()" : "UTC_TIMESTAMP(3)";
  const values = batch
    .map((row) => {
      const plain = row.slice(0, 11).map((value) => params.add(value));
      const observed = postgres ? `${params.add(row[11])}::timestamptz` : params.add(row[11]);
      return `(${plain.join(", ")}, COALESCE(${observed}, ${now}), ${now}, ${now})`;
    })
    .join(",\n");
  const updated = [
    "phase",
    "desired",
    "ready",
    "failed",
    "skipped",
    "applied_hash",
    "template_version",
    "message",
    "cluster",
    "observed_at",
    "updated_at",
  ];
  if (postgres) {
    return `INSERT INTO tenant_sync_status AS s (${COLUMNS}) VALUES ${values}
      ON CONFLICT (tenant_key, template_set) DO UPDATE SET
        ${updated.map((column) => `${column} = EXCLUDED.${column}`).join(", ")},
        last_transition_at = CASE WHEN s.phase = EXCLUDED.phase THEN s.last_transition_at
                                  ELSE EXCLUDED.last_transition_at END`;
  }
  // MySQL evaluates ON DUPLICATE KEY UPDATE assignments left to right, and later ones see the new values of
  // earlier ones: last_transition_at must be decided before phase is overwritten. VALUES(col) (not the
  // 8.0.19 row alias) is what both MySQL and MariaDB understand.
  return `INSERT INTO tenant_sync_status (${COLUMNS}) VALUES ${values}
    ON DUPLICATE KEY UPDATE
      last_transition_at = IF(phase = VALUES(phase), last_transition_at, VALUES(last_transition_at)),
      ${updated.map((column) => `${column} = VALUES(${column})`).join(", ")}`;
}

/** The row as bound values in COLUMNS order (without the three times the database sets). */
function checkStatus(record: StatusRecord): unknown[] {
  const tenantKey = checkText(record?.tenantKey, "tenant_sync_status", "tenantKey", LIMITS.tenantKey);
  const where = `tenant_sync_status row for tenant ${shortValue(tenantKey)}`;
  const templateSet = checkText(record.templateSet, where, "templateSet", LIMITS.templateSet);
  const at = `${where}, template set ${shortValue(templateSet)}`;
  if (!isPhase(record.phase)) {
    throw new TenantSyncError(`${at}: phase ${shortValue(record.phase)} is not one of ${PHASES.join(", ")}`);
  }
  return [
    tenantKey,
    templateSet,
    record.phase,
    checkCount(record.desired, at, "desired"),
    checkCount(record.ready, at, "ready"),
    checkCount(record.failed, at, "failed"),
    checkCount(record.skipped, at, "skipped"),
    checkOptionalText(record.appliedHash, at, "appliedHash", LIMITS.hash),
    checkOptionalText(record.templateVersion, at, "templateVersion", LIMITS.templateVersion),
    checkOptionalText(record.message, at, "message"),
    checkOptionalText(record.cluster, at, "cluster", LIMITS.cluster),
    checkTime(record.observedAt, at, "observedAt"),
  ];
}

export interface StatusFilter {
  tenantKey?: string;
  templateSet?: string;
}

/** Rows matching the filter (all rows without one), ordered by tenant key and template set. */
export async function readStatus(db: Queryable, filter: StatusFilter = {}): Promise<StoredStatus[]> {
  const params = new SqlParams();
  const conditions: string[] = [];
  if (filter.tenantKey !== undefined) conditions.push(`tenant_key = ${params.add(filter.tenantKey)}`);
  if (filter.templateSet !== undefined) conditions.push(`template_set = ${params.add(filter.templateSet)}`);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM tenant_sync_status ${where} ORDER BY tenant_key, template_set`,
    params.values,
  );
  return rows.map(fromRow);
}

/** Deletes a tenant's rows, or only one template set's; returns how many rows went. */
export async function deleteStatus(db: Queryable, tenantKey: string, templateSet?: string): Promise<number> {
  const params = new SqlParams();
  let sql = `DELETE FROM tenant_sync_status WHERE tenant_key = ${params.add(tenantKey)}`;
  if (templateSet !== undefined) sql += ` AND template_set = ${params.add(templateSet)}`;
  const { rowCount } = await db.query(sql, params.values);
  return rowCount;
}

/** How many rows are in each phase; every phase is present, with 0 when none. */
export async function statusSummary(db: Queryable): Promise<Record<Phase, number>> {
  const { rows } = await db.query<{ phase: string; count: number | string }>(
    "SELECT phase, COUNT(*) AS count FROM tenant_sync_status GROUP BY phase",
  );
  const summary = Object.fromEntries(PHASES.map((phase) => [phase, 0])) as Record<Phase, number>;
  for (const row of rows) if (isPhase(row.phase)) summary[row.phase] = Number(row.count);
  return summary;
}

/** The most recently updated rows in the given phases, newest first: the fleet view's latest failures. */
export async function readRecentStatus(
  db: Queryable,
  options: { phases: readonly Phase[]; limit: number },
): Promise<StoredStatus[]> {
  if (options.phases.length === 0) return [];
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    throw new TenantSyncError(
      `readRecentStatus: limit must be a positive integer, got ${shortValue(options.limit)}`,
    );
  }
  const params = new SqlParams();
  const phases = options.phases.map((phase) => params.add(phase)).join(", ");
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM tenant_sync_status WHERE phase IN (${phases})
     ORDER BY updated_at DESC, tenant_key, template_set LIMIT ${params.add(options.limit)}`,
    params.values,
  );
  return rows.map(fromRow);
}

/** Tenants with status rows, and those with at least one set in a phase other than Ready or Deleted. */
export async function tenantReadiness(db: Queryable): Promise<{ tenants: number; notReady: number }> {
  const { rows } = await db.query<{ tenants: number | string; not_ready: number | string }>(
    `SELECT COUNT(DISTINCT tenant_key) AS tenants,
            COUNT(DISTINCT CASE WHEN phase NOT IN ('Ready', 'Deleted') THEN tenant_key END) AS not_ready
     FROM tenant_sync_status`,
  );
  return { tenants: Number(rows[0]?.tenants ?? 0), notReady: Number(rows[0]?.not_ready ?? 0) };
}

function fromRow(row: Row): StoredStatus {
  return {
    tenantKey: String(row.tenant_key),
    templateSet: String(row.template_set),
    phase: row.phase as Phase,
    desired: Number(row.desired),
    ready: Number(row.ready),
    failed: Number(row.failed),
    skipped: Number(row.skipped),
    appliedHash: (row.applied_hash as string | null) ?? null,
    templateVersion: (row.template_version as string | null) ?? null,
    message: (row.message as string | null) ?? null,
    cluster: (row.cluster as string | null) ?? null,
    observedAt: timeText(row.observed_at),
    updatedAt: timeText(row.updated_at),
    lastTransitionAt: timeText(row.last_transition_at),
  };
}

const compare = (a: unknown, b: unknown) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
