/**
 * The decisions of one rollout step, without a database: from where the admitted tenants stand and how many
 * are left, say whether the rollout halts, ends, waits, or admits its next wave. rolloutStep does the I/O.
 */
import type { Phase } from "../db/status-store.ts";
import { TenantSyncError } from "../errors.ts";
import type { RolloutState } from "./model.ts";

/** An admitted tenant and its status row for the set (both null when it has none). */
export interface AdmittedTenant {
  tenantKey: string;
  version: string | null;
  phase: Phase | null;
}

export type TenantProgress = "inProgress" | "done" | "failed";

/**
 * An admitted tenant is in progress until its status shows the new version: Ready is done, Failed or
 * Conflicted is failed. A tenant without a row, or Deleted, is done: it has nothing left to move.
 */
export function progressOf(tenant: AdmittedTenant, toVersion: string): TenantProgress {
  if (tenant.phase === null || tenant.phase === "Deleted") return "done";
  if (tenant.version !== toVersion) return "inProgress";
  if (tenant.phase === "Ready") return "done";
  if (tenant.phase === "Failed" || tenant.phase === "Conflicted") return "failed";
  return "inProgress";
}

export interface ProgressCounts {
  admitted: number;
  inProgress: number;
  done: number;
  failed: number;
  remaining: number;
}

export interface StepInput {
  set: string;
  fromVersion: string;
  toVersion: string;
  state: RolloutState;
  currentWave: number;
  waveSize: number;
  failureThreshold: number;
  /** The set's version in the running deployment, when known: no wave is admitted until it is toVersion. */
  deployedVersion?: string;
  admitted: readonly AdmittedTenant[];
  /** Tenants on fromVersion not admitted yet. */
  remaining: number;
  /** The first of those in key order: the next wave is taken from the front. */
  candidates: readonly string[];
}

export interface StepPlan {
  state: RolloutState;
  wave: number;
  /** Tenants to admit now, as wave `wave`. */
  admit: string[];
  /** The rollout's new message; undefined leaves the stored one. */
  message: string | null | undefined;
  /** After the admissions. */
  counts: ProgressCounts;
  failedTenants: string[];
}

/** How many failed tenants a message or summary names. */
export const NAMED_FAILURES = 10;

export function countProgress(
  admitted: readonly AdmittedTenant[],
  toVersion: string,
  remaining: number,
): { counts: ProgressCounts; failedTenants: string[] } {
  const counts: ProgressCounts = { admitted: admitted.length, inProgress: 0, done: 0, failed: 0, remaining };
  const failedTenants: string[] = [];
  for (const tenant of admitted) {
    const progress = progressOf(tenant, toVersion);
    counts[progress]++;
    if (progress === "failed") failedTenants.push(tenant.tenantKey);
  }
  failedTenants.sort();
  return { counts, failedTenants };
}

/**
 * One step, in this order: too many failures halt; nothing left and nothing in progress is Done; a deployment
 * that does not ship the target version yet makes it wait; an unfinished wave makes it wait; otherwise the
 * next wave is admitted. Only a Running rollout changes: Paused and Halted ones are only counted.
 */
export function planStep(input: StepInput): StepPlan {
  const { counts, failedTenants } = countProgress(input.admitted, input.toVersion, input.remaining);
  const unchanged: StepPlan = {
    state: input.state,
    wave: input.currentWave,
    admit: [],
    message: undefined,
    counts,
    failedTenants,
  };
  if (input.state !== "Running") return unchanged;
  if (counts.failed > input.failureThreshold) {
    return { ...unchanged, state: "Halted", message: haltMessage(input, counts, failedTenants) };
  }
  if (counts.remaining === 0 && counts.inProgress === 0) {
    return { ...unchanged, state: "Done", message: doneMessage(input, counts, failedTenants) };
  }
  if (input.deployedVersion !== undefined && input.deployedVersion !== input.toVersion) {
    return {
      ...unchanged,
      message:
        `waiting: the deployed template set ${input.set} is version ${input.deployedVersion}, this rollout ` +
        `moves tenants to ${input.toVersion}; no wave is admitted until that version is deployed (or start a ` +
        `new rollout to ${input.deployedVersion} with "replace": true)`,
    };
  }
  if (counts.inProgress > 0) return { ...unchanged, message: null };
  const admit = input.candidates.slice(0, input.waveSize);
  if (admit.length === 0) return { ...unchanged, message: null };
  return {
    ...unchanged,
    wave: input.currentWave + 1,
    admit,
    message: null,
    counts: {
      ...counts,
      admitted: counts.admitted + admit.length,
      inProgress: counts.inProgress + admit.length,
      remaining: Math.max(0, counts.remaining - admit.length),
    },
  };
}

function named(keys: readonly string[], total: number): string {
  const shown = keys.slice(0, NAMED_FAILURES).map((key) => JSON.stringify(key));
  return total > shown.length ? `${shown.join(", ")} and ${total - shown.length} more` : shown.join(", ");
}

function haltMessage(input: StepInput, counts: ProgressCounts, failed: readonly string[]): string {
  const resume = JSON.stringify({ action: "resume", set: input.set });
  return (
    `halted: ${counts.failed} of ${counts.admitted} admitted tenants failed on version ${input.toVersion} ` +
    `of template set ${input.set}, more than the threshold of ${input.failureThreshold}: ` +
    `${named(failed, counts.failed)}. Their rows in tenant_sync_status say why. ${counts.remaining} ` +
    `tenants stay on version ${input.fromVersion} and no further wave is admitted. Fix the cause, then ` +
    `resume with ${resume} (tenants Ready again no longer count as failed), or resume with a higher ` +
    `"failureThreshold" to accept the failures.`
  );
}

function doneMessage(input: StepInput, counts: ProgressCounts, failed: readonly string[]): string {
  const moved = `all ${counts.admitted} admitted tenants moved to version ${input.toVersion}`;
  if (counts.failed === 0) return moved;
  return (
    `${moved}; ${counts.failed} of them failed there (within the threshold of ${input.failureThreshold}): ` +
    `${named(failed, counts.failed)}`
  );
}

/**
 * A wave size given as a count (5) or as a share of the tenants to move ("10%"), as a count of at least 1.
 * `where` names the input in errors.
 */
export function resolveWaveSize(value: unknown, tenants: number, where = "waveSize"): number {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 1) return value;
  } else if (typeof value === "string") {
    const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
    const percent = match ? Number(match[1]) : Number.NaN;
    if (percent > 0 && percent <= 100) return Math.max(1, Math.ceil((tenants * percent) / 100));
  }
  throw new TenantSyncError(
    `${where} must be a whole number of tenants of at least 1 or a share such as "10%" (over 0, at most 100%), ` +
      `got ${JSON.stringify(value)}`,
  );
}
