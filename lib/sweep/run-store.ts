/**
 * tenant_sync_sweep_runs: what each sweep found and did. A run's row is inserted when it starts and
 * completed when it ends, so a sweep that died (timeout, crash) leaves a row with no outcome.
 */
import { SqlParams } from "../db/params.ts";
import type { Queryable } from "../db/queryable.ts";
import type { SweepOutcome } from "./result.ts";

const TABLE = "tenant_sync_sweep_runs";

export interface RunRecord {
  outcome: SweepOutcome;
  tenants: number;
  invalidRows: number;
  missing: number;
  drifted: number;
  deletedByHand: number;
  deepDrifted: number;
  orphans: number;
  repairedTenants: number;
  removed: number;
  heldReason: string | null;
  error: string | null;
  deepSlice: number | null;
  durationMs: number;
  details: Record<string, unknown>;
}

export interface StoredRun extends RunRecord {
  id: number;
  holder: string;
  startedAt: string;
  finishedAt: string | null;
}

/** Inserts the row of a run that is starting; returns its id. */
export async function startRun(db: Queryable, holder: string): Promise<number> {
  const params = new SqlParams();
  const columns = "holder, details";
  const values = `${params.add(holder)}, ${params.add("{}")}${db.dialect === "postgres" ? "::jsonb" : ""}`;
  if (db.dialect === "postgres") {
    const { rows } = await db.query<{ id: number | string }>(
      `INSERT INTO ${TABLE} (${columns}) VALUES (${values}) RETURNING id`,
      params.values,
    );
    return Number(rows[0]?.id);
  }
  return db.transaction(async (tx) => {
    await tx.query(`INSERT INTO ${TABLE} (${columns}) VALUES (${values})`, params.values);
    const { rows } = await tx.query<{ id: number | string }>("SELECT LAST_INSERT_ID() AS id");
    return Number(rows[0]?.id);
  });
}

/** Completes a run's row with what it found and did. */
export async function finishRun(db: Queryable, id: number, record: RunRecord): Promise<void> {
  const params = new SqlParams();
  const json = db.dialect === "postgres" ? "::jsonb" : "";
  const assignments = [
    `finished_at = ${db.dialect === "postgres" ? "now()" : "UTC_TIMESTAMP(3)"}`,
    `outcome = ${params.add(record.outcome)}`,
    `tenants = ${params.add(record.tenants)}`,
    `invalid_rows = ${params.add(record.invalidRows)}`,
    `missing = ${params.add(record.missing)}`,
    `drifted = ${params.add(record.drifted)}`,
    `deleted_by_hand = ${params.add(record.deletedByHand)}`,
    `deep_drifted = ${params.add(record.deepDrifted)}`,
    `orphans = ${params.add(record.orphans)}`,
    `repaired_tenants = ${params.add(record.repairedTenants)}`,
    `removed = ${params.add(record.removed)}`,
    `held_reason = ${params.add(record.heldReason)}`,
    `error = ${params.add(record.error)}`,
    `deep_slice = ${params.add(record.deepSlice)}`,
    `duration_ms = ${params.add(Math.round(record.durationMs))}`,
    `details = ${params.add(JSON.stringify(record.details))}${json}`,
  ];
  await db.query(`UPDATE ${TABLE} SET ${assignments.join(", ")} WHERE id = ${params.add(id)}`, params.values);
}

/**
 * The deep-check slice of the last run that got as far as checking, so the next run takes the next slice.
 * Dry runs record none, so asking for a plan never shifts the rotation.
 */
export async function lastDeepSlice(db: Queryable): Promise<number | undefined> {
  const { rows } = await db.query<{ deep_slice: number | string }>(
    `SELECT deep_slice FROM ${TABLE} WHERE deep_slice IS NOT NULL ORDER BY id DESC LIMIT 1`,
  );
  const value = rows[0]?.deep_slice;
  return value === undefined ? undefined : Number(value);
}

/** The latest runs, newest first. */
export async function readRuns(db: Queryable, limit = 20): Promise<StoredRun[]> {
  const params = new SqlParams();
  const { rows } = await db.query(
    `SELECT * FROM ${TABLE} ORDER BY id DESC LIMIT ${params.add(limit)}`,
    params.values,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    holder: String(row.holder),
    startedAt: String(row.started_at),
    finishedAt: row.finished_at === null ? null : String(row.finished_at),
    outcome: row.outcome as SweepOutcome,
    tenants: Number(row.tenants),
    invalidRows: Number(row.invalid_rows),
    missing: Number(row.missing),
    drifted: Number(row.drifted),
    deletedByHand: Number(row.deleted_by_hand),
    deepDrifted: Number(row.deep_drifted),
    orphans: Number(row.orphans),
    repairedTenants: Number(row.repaired_tenants),
    removed: Number(row.removed),
    heldReason: (row.held_reason as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    deepSlice: row.deep_slice === null ? null : Number(row.deep_slice),
    durationMs: Number(row.duration_ms),
    details: (typeof row.details === "string" ? JSON.parse(row.details) : row.details) as Record<
      string,
      unknown
    >,
  }));
}
