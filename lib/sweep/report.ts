import type { Queryable } from "../db/queryable.ts";
import type { RequestCounts } from "../kube/cluster-client.ts";
import type { Log } from "../log.ts";
import { describeObject } from "./object-key.ts";
import type { SweepOptions } from "./options.ts";
import { emptyPlan, type Orphan, type Plan } from "./plan.ts";
import { emptyCounts, PLAN_LIMIT, type SweepCounts, type SweepOutcome, type SweepResult } from "./result.ts";
import { emptyRetryPlan, type RetryPlan } from "./retry.ts";
import { finishRun, startRun } from "./run-store.ts";

/** What one run worked out and did, before it is reported. */
export interface Progress {
  counts: SweepCounts;
  errors: string[];
  plan: Plan;
  heldReason: string | undefined;
  deepSlice: number | undefined;
  dryRuns: number;
  standing: Orphan[];
  /** Failing tenants this run retries, and how many wait. */
  retries: RetryPlan;
}

export interface ReportInput {
  db: Queryable;
  log: Log;
  /** The run's row, or undefined when the run never got one (skipped): one is written then. */
  runId: number | undefined;
  holder: string;
  outcome: SweepOutcome;
  /** Why the run was skipped or failed. */
  reason: string | undefined;
  progress: Progress | undefined;
  /** performance.now() when the run started. */
  started: number;
  /** API request counts before and after the run (ClusterRegistry.totals()). */
  before: RequestCounts;
  after: RequestCounts;
  options: SweepOptions;
}

/**
 * Ends a run: its result, its row in tenant_sync_sweep_runs and its one log line `sweep finished` (counts per
 * category, held or not, duration, API requests by verb). Writes are the requests that changed a cluster:
 * dry-run applies of the deep check are requests, not writes.
 */
export async function reportRun(input: ReportInput): Promise<SweepResult> {
  const { db, log, runId, holder, outcome, reason, progress, started, before, after, options } = input;
  const requests = Object.fromEntries(
    (Object.keys(after) as (keyof RequestCounts)[]).map((verb) => [verb, after[verb] - before[verb]]),
  ) as RequestCounts;
  const dryRuns = progress?.dryRuns ?? 0;
  const writes = requests.apply - dryRuns + requests.patch + requests.delete;
  const counts = progress?.counts ?? emptyCounts();
  const errors = progress?.errors ?? [];
  const durationMs = performance.now() - started;
  const result: SweepResult = {
    runId,
    outcome,
    ...(reason !== undefined ? { reason } : {}),
    ...(progress?.heldReason !== undefined ? { heldReason: progress.heldReason } : {}),
    durationMs: Math.round(durationMs),
    counts,
    requests,
    writes,
    deepSlice: progress?.deepSlice,
    plan: progress ? planListing(progress) : { repairs: [], removals: [], collisions: [], truncated: false },
    errors,
  };
  const line = {
    runId,
    outcome,
    reason,
    heldReason: result.heldReason,
    durationMs: result.durationMs,
    counts,
    requests,
    dryRunApplies: dryRuns,
    writes,
    deepSlice: result.deepSlice,
    mode: { dryRun: options.dryRun, inline: options.inline, allowMassDelete: options.allowMassDelete },
    errors: errors.slice(0, 10),
  };
  try {
    const id = runId ?? (await startRun(db, holder));
    result.runId = id;
    await finishRun(db, id, {
      outcome,
      tenants: counts.tenants,
      invalidRows: counts.invalidRows,
      missing: counts.missing,
      drifted: counts.drifted,
      deletedByHand: counts.deletedByHand,
      deepDrifted: counts.deepDrifted,
      orphans: counts.orphans,
      repairedTenants: options.inline ? counts.repaired : counts.enqueued,
      removed: counts.removed + counts.retained,
      heldReason: result.heldReason ?? null,
      error: reason ?? (errors.length > 0 ? errors.slice(0, 10).join("\n") : null),
      deepSlice: outcome === "DryRun" ? null : (result.deepSlice ?? null),
      durationMs,
      details: { ...line, runId: id },
    });
  } catch (error) {
    errors.push(`the run's report row could not be written: ${(error as Error).message}`);
  }
  const level = outcome === "Done" || outcome === "DryRun" || outcome === "Skipped" ? "info" : "warn";
  log[level]("sweep finished", { ...line, runId: result.runId });
  return result;
}

export function newProgress(): Progress {
  return {
    counts: emptyCounts(),
    errors: [],
    plan: emptyPlan(),
    heldReason: undefined,
    deepSlice: undefined,
    dryRuns: 0,
    standing: [],
    retries: emptyRetryPlan(),
  };
}

/** The plan as data a person can read: tenants to repair or retry and why, objects to remove and why. */
function planListing(progress: Progress): SweepResult["plan"] {
  const retries = progress.retries.due.map((retry) => ({
    tenant: retry.tenantKey,
    reasons: retry.failing.map((failing) => `retry ${failing} (attempt ${retry.attempts})`),
  }));
  const planned = progress.plan.repairs.size + retries.length;
  const drift = [...progress.plan.repairs].slice(0, PLAN_LIMIT).map(([tenant, repair]) => ({
    tenant,
    reasons: repair.reasons,
  }));
  const repairs = [...drift, ...retries].slice(0, PLAN_LIMIT);
  const removals = progress.standing.slice(0, PLAN_LIMIT).map((orphan) => ({
    tenant: orphan.tenantKey,
    cluster: orphan.cluster,
    object: describeObject(
      orphan.cluster,
      orphan.object.apiVersion,
      orphan.object.kind,
      orphan.object.namespace,
      orphan.object.name,
    ),
    templateSet: orphan.templateSet,
    resourceId: orphan.resourceId,
    reason: orphan.reason,
    deletion: orphan.deletion,
  }));
  const { collisions } = progress.plan;
  return {
    repairs,
    removals,
    collisions: collisions.slice(0, PLAN_LIMIT),
    truncated:
      planned > PLAN_LIMIT || progress.standing.length > PLAN_LIMIT || collisions.length > PLAN_LIMIT,
  };
}
