/**
 * tenant_sync_rollouts and tenant_sync_rollout_tenants, and the status rows a rollout reads. Every function
 * takes a Queryable, so rolloutStep can run them in one transaction that holds the rollout's row lock.
 */
import { SqlParams } from "../db/params.ts";
import type { Queryable, Row } from "../db/queryable.ts";
import { isPhase, type Phase } from "../db/status-store.ts";
import { timeText } from "../db/store-values.ts";
import { TenantSyncError } from "../errors.ts";
import { isRolloutState, type Rollout, type RolloutState } from "./model.ts";
import type { AdmittedTenant } from "./wave-plan.ts";

const ROLLOUTS = "tenant_sync_rollouts";
const ADMITTED = "tenant_sync_rollout_tenants";
const COLUMNS =
  "id, template_set, from_version, to_version, state, wave_size, failure_threshold, current_wave, " +
  "created_at, updated_at, message";

const now = (q: Queryable) => (q.dialect === "postgres" ? "now()" : "UTC_TIMESTAMP(3)");

export interface NewRollout {
  templateSet: string;
  fromVersion: string;
  toVersion: string;
  waveSize: number;
  failureThreshold: number;
}

/** Inserts a Running rollout; the unique index refuses a second unfinished one for the same set. */
export async function insertRollout(q: Queryable, rollout: NewRollout): Promise<Rollout> {
  const params = new SqlParams();
  const values = params.row([
    rollout.templateSet,
    rollout.fromVersion,
    rollout.toVersion,
    "Running",
    rollout.waveSize,
    rollout.failureThreshold,
  ]);
  const insert = `INSERT INTO ${ROLLOUTS}
    (template_set, from_version, to_version, state, wave_size, failure_threshold) VALUES ${values}`;
  const id = await q.transaction(async (tx) => {
    if (tx.dialect === "postgres") {
      const { rows } = await tx.query<{ id: number | string }>(`${insert} RETURNING id`, params.values);
      return Number(rows[0]?.id);
    }
    await tx.query(insert, params.values);
    const { rows } = await tx.query<{ id: number | string }>("SELECT LAST_INSERT_ID() AS id");
    return Number(rows[0]?.id);
  });
  return (await readRollout(q, id)) as Rollout;
}

/** One rollout by id; `lock` takes its row lock (FOR UPDATE) for the rest of the caller's transaction. */
export async function readRollout(
  q: Queryable,
  id: number,
  options: { lock?: boolean } = {},
): Promise<Rollout | undefined> {
  const params = new SqlParams();
  const { rows } = await q.query(
    `SELECT ${COLUMNS} FROM ${ROLLOUTS} WHERE id = ${params.add(id)}${options.lock ? " FOR UPDATE" : ""}`,
    params.values,
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Every rollout that is not Done, by id. */
export async function readActiveRollouts(q: Queryable): Promise<Rollout[]> {
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM ${ROLLOUTS} WHERE state <> 'Done' ORDER BY id`);
  return rows.map(fromRow);
}

/** The set's rollout that is not Done, if any. */
export async function readActiveRollout(q: Queryable, set: string): Promise<Rollout | undefined> {
  const params = new SqlParams();
  const { rows } = await q.query(
    `SELECT ${COLUMNS} FROM ${ROLLOUTS} WHERE template_set = ${params.add(set)} AND state <> 'Done'`,
    params.values,
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** The set's most recent rollout, whatever its state. */
export async function readLatestRollout(q: Queryable, set: string): Promise<Rollout | undefined> {
  const params = new SqlParams();
  const { rows } = await q.query(
    `SELECT ${COLUMNS} FROM ${ROLLOUTS} WHERE template_set = ${params.add(set)} ORDER BY id DESC LIMIT 1`,
    params.values,
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export interface RolloutChanges {
  state?: RolloutState;
  currentWave?: number;
  waveSize?: number;
  failureThreshold?: number;
  message?: string | null;
}

export async function updateRollout(q: Queryable, id: number, changes: RolloutChanges): Promise<void> {
  const params = new SqlParams();
  const assignments = [`updated_at = ${now(q)}`];
  if (changes.state !== undefined) assignments.push(`state = ${params.add(changes.state)}`);
  if (changes.currentWave !== undefined)
    assignments.push(`current_wave = ${params.add(changes.currentWave)}`);
  if (changes.waveSize !== undefined) assignments.push(`wave_size = ${params.add(changes.waveSize)}`);
  if (changes.failureThreshold !== undefined) {
    assignments.push(`failure_threshold = ${params.add(changes.failureThreshold)}`);
  }
  if (changes.message !== undefined) assignments.push(`message = ${params.add(changes.message)}`);
  await q.query(
    `UPDATE ${ROLLOUTS} SET ${assignments.join(", ")} WHERE id = ${params.add(id)}`,
    params.values,
  );
}

export async function admitTenants(
  q: Queryable,
  rolloutId: number,
  wave: number,
  tenantKeys: readonly string[],
): Promise<void> {
  if (tenantKeys.length === 0) return;
  const params = new SqlParams();
  const rows = tenantKeys.map((key) => params.row([rolloutId, key, wave])).join(", ");
  await q.query(`INSERT INTO ${ADMITTED} (rollout_id, tenant_key, wave) VALUES ${rows}`, params.values);
}

/** Takes admissions back (their message could not be sent), so a later step admits them again. */
export async function withdrawTenants(
  q: Queryable,
  rolloutId: number,
  tenantKeys: readonly string[],
): Promise<void> {
  if (tenantKeys.length === 0) return;
  const params = new SqlParams();
  const keys = tenantKeys.map((key) => params.add(key)).join(", ");
  await q.query(
    `DELETE FROM ${ADMITTED} WHERE rollout_id = ${params.add(rolloutId)} AND tenant_key IN (${keys})`,
    params.values,
  );
}

/** Every admitted tenant with its status row for the rollout's set (null version and phase without one). */
export async function readAdmitted(q: Queryable, rollout: Rollout): Promise<AdmittedTenant[]> {
  const params = new SqlParams();
  const { rows } = await q.query<{
    tenant_key: string;
    template_version: string | null;
    phase: string | null;
  }>(
    `SELECT a.tenant_key, s.template_version, s.phase
     FROM ${ADMITTED} a
     LEFT JOIN tenant_sync_status s
       ON s.tenant_key = a.tenant_key AND s.template_set = ${params.add(rollout.templateSet)}
     WHERE a.rollout_id = ${params.add(rollout.id)}`,
    params.values,
  );
  return rows.map((row) => ({
    tenantKey: String(row.tenant_key),
    version: row.template_version ?? null,
    phase: isPhase(row.phase) ? row.phase : null,
  }));
}

/** Tenants whose status for the set shows from_version (and that still have the set) but are not admitted. */
function remainingWhere(params: SqlParams, rollout: Rollout): string {
  return `s.template_set = ${params.add(rollout.templateSet)}
    AND s.template_version = ${params.add(rollout.fromVersion)}
    AND s.phase <> 'Deleted'
    AND NOT EXISTS (SELECT 1 FROM ${ADMITTED} a
                    WHERE a.rollout_id = ${params.add(rollout.id)} AND a.tenant_key = s.tenant_key)`;
}

export async function countRemaining(q: Queryable, rollout: Rollout): Promise<number> {
  const params = new SqlParams();
  const { rows } = await q.query<{ count: number | string }>(
    `SELECT COUNT(*) AS count FROM tenant_sync_status s WHERE ${remainingWhere(params, rollout)}`,
    params.values,
  );
  return Number(rows[0]?.count ?? 0);
}

/** The first `limit` remaining tenants in key order: the next wave. */
export async function nextCandidates(q: Queryable, rollout: Rollout, limit: number): Promise<string[]> {
  const params = new SqlParams();
  const { rows } = await q.query<{ tenant_key: string }>(
    `SELECT s.tenant_key FROM tenant_sync_status s WHERE ${remainingWhere(params, rollout)}
     ORDER BY s.tenant_key LIMIT ${params.add(limit)}`,
    params.values,
  );
  return rows.map((row) => String(row.tenant_key));
}

/** A tenant's status rows for some sets, each with the rollout (of those given) that admitted the tenant. */
export interface TenantRolloutRow {
  templateSet: string;
  version: string | null;
  phase: Phase | null;
  admittedBy: number | null;
}

/** One query: what the version resolver needs to know about one tenant. */
export async function readTenantRolloutRows(
  q: Queryable,
  tenantKey: string,
  rollouts: readonly Rollout[],
): Promise<TenantRolloutRow[]> {
  if (rollouts.length === 0) return [];
  const params = new SqlParams();
  const key = params.add(tenantKey);
  const ids = rollouts.map((r) => params.add(r.id)).join(", ");
  const sets = [...new Set(rollouts.map((r) => r.templateSet))].map((set) => params.add(set)).join(", ");
  const { rows } = await q.query<{
    template_set: string;
    template_version: string | null;
    phase: string;
    rollout_id: number | string | null;
  }>(
    `SELECT s.template_set, s.template_version, s.phase, a.rollout_id
     FROM tenant_sync_status s
     LEFT JOIN ${ADMITTED} a ON a.tenant_key = s.tenant_key AND a.rollout_id IN (${ids})
     WHERE s.tenant_key = ${key} AND s.template_set IN (${sets})`,
    params.values,
  );
  return rows.map((row) => ({
    templateSet: String(row.template_set),
    version: row.template_version ?? null,
    phase: isPhase(row.phase) ? row.phase : null,
    admittedBy: row.rollout_id === null ? null : Number(row.rollout_id),
  }));
}

/**
 * The version most of the set's tenants run, other than `except`: what a rollout to `except` starts from
 * when no fromVersion is given. Deleted rows do not count.
 */
export async function commonOtherVersion(
  q: Queryable,
  set: string,
  except: string,
): Promise<{ version: string; tenants: number } | undefined> {
  const params = new SqlParams();
  const { rows } = await q.query<{ template_version: string; tenants: number | string }>(
    `SELECT template_version, COUNT(*) AS tenants FROM tenant_sync_status
     WHERE template_set = ${params.add(set)} AND phase <> 'Deleted'
       AND template_version IS NOT NULL AND template_version <> ${params.add(except)}
     GROUP BY template_version ORDER BY COUNT(*) DESC, template_version LIMIT 1`,
    params.values,
  );
  const row = rows[0];
  return row ? { version: String(row.template_version), tenants: Number(row.tenants) } : undefined;
}

function fromRow(row: Row): Rollout {
  const state = row.state;
  if (!isRolloutState(state)) {
    throw new TenantSyncError(
      `${ROLLOUTS} row ${String(row.id)}: state ${JSON.stringify(state)} is not a rollout state`,
    );
  }
  return {
    id: Number(row.id),
    templateSet: String(row.template_set),
    fromVersion: String(row.from_version),
    toVersion: String(row.to_version),
    state,
    waveSize: Number(row.wave_size),
    failureThreshold: Number(row.failure_threshold),
    currentWave: Number(row.current_wave),
    createdAt: timeText(row.created_at),
    updatedAt: timeText(row.updated_at),
    message: (row.message as string | null) ?? null,
  };
}

/** Tenants whose status for the set shows this version (Deleted rows do not count). */
export async function countOnVersion(q: Queryable, set: string, version: string): Promise<number> {
  const params = new SqlParams();
  const { rows } = await q.query<{ count: number | string }>(
    `SELECT COUNT(*) AS count FROM tenant_sync_status
     WHERE template_set = ${params.add(set)} AND template_version = ${params.add(version)} AND phase <> 'Deleted'`,
    params.values,
  );
  return Number(rows[0]?.count ?? 0);
}
