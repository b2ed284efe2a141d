/**
 * rolloutStep: one tick of a rollout, run on a schedule. It reads where the admitted tenants stand in
 * tenant_sync_status, and halts, ends, waits, or admits and enqueues the next wave (see wave-plan.ts).
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Queryable } from "../db/queryable.ts";
import { TenantSyncError } from "../errors.ts";
import type { Log } from "../log.ts";
import { sendTenantMessages } from "../queue/send.ts";
import type { Rollout, RolloutSummary } from "./model.ts";
import {
  admitTenants,
  countRemaining,
  nextCandidates,
  type RolloutChanges,
  readActiveRollouts,
  readAdmitted,
  readRollout,
  updateRollout,
  withdrawTenants,
} from "./rollout-store.ts";
import { countProgress, NAMED_FAILURES, type ProgressCounts, planStep } from "./wave-plan.ts";

export interface StepOptions {
  /** The set's version in the running deployment: no wave is admitted until it is the rollout's target. */
  deployedVersion?: string;
  log?: Log;
}

/**
 * Advances one rollout. The decision and the admissions happen in one transaction holding the rollout's
 * row lock, so two steps at once never admit two waves. Messages are sent after the commit (a consumer
 * must find the tenant admitted); admissions whose message SQS refused are withdrawn, and the step fails
 * naming them, so the next step admits them again.
 */
export async function rolloutStep(
  db: Queryable,
  sqs: SQSClient,
  queueUrl: string,
  rolloutId: number,
  options: StepOptions = {},
): Promise<RolloutSummary> {
  const { rollout, plan } = await db.transaction(async (tx) => {
    const locked = await readRollout(tx, rolloutId, { lock: true });
    if (!locked) throw new TenantSyncError(`tenant_sync_rollouts has no rollout ${rolloutId}`);
    const admitted = await readAdmitted(tx, locked);
    const remaining = await countRemaining(tx, locked);
    const candidates = locked.state === "Running" ? await nextCandidates(tx, locked, locked.waveSize) : [];
    const planned = planStep({
      set: locked.templateSet,
      fromVersion: locked.fromVersion,
      toVersion: locked.toVersion,
      state: locked.state,
      currentWave: locked.currentWave,
      waveSize: locked.waveSize,
      failureThreshold: locked.failureThreshold,
      ...(options.deployedVersion === undefined ? {} : { deployedVersion: options.deployedVersion }),
      admitted,
      remaining,
      candidates,
    });
    const changes: RolloutChanges = {};
    if (planned.state !== locked.state) changes.state = planned.state;
    if (planned.wave !== locked.currentWave) changes.currentWave = planned.wave;
    if (planned.message !== undefined && planned.message !== locked.message)
      changes.message = planned.message;
    if (Object.keys(changes).length > 0) await updateRollout(tx, locked.id, changes);
    await admitTenants(tx, locked.id, planned.wave, planned.admit);
    return { rollout: { ...locked, ...changes }, plan: planned };
  });

  const summary = summaryOf(rollout as Rollout, plan.counts, plan.failedTenants, plan.admit);
  if (plan.state !== rollout.state || plan.admit.length > 0) {
    options.log?.info("rollout step", { ...summary, admittedNow: summary.admittedNow.length });
  }
  if (plan.admit.length === 0) return summary;

  const at = new Date().toISOString();
  const sent = await sendTenantMessages(
    sqs,
    queueUrl,
    plan.admit.map((tenant) => ({
      message: { tenant, reason: "rollout", at },
      deduplicationId: `rollout-${rollout.id}-${plan.wave}-${tenant}`,
    })),
  );
  if (sent.failed.length > 0) {
    const keys = sent.failed.map((failure) => failure.outgoing.message.tenant);
    await withdrawTenants(db, rollout.id, keys);
    throw new TenantSyncError(
      `rollout ${rollout.id} of template set ${rollout.templateSet}: ${keys.length} of ${plan.admit.length} ` +
        `tenants of wave ${plan.wave} could not be enqueued on ${queueUrl} (${sent.failed[0]?.reason}); ` +
        "their admission was withdrawn and the next step admits them again",
      { templateSet: rollout.templateSet },
    );
  }
  return summary;
}

/** Steps every Running rollout (the schedule's job); deployedVersions maps set name → deployed version. */
export async function stepRunningRollouts(
  db: Queryable,
  sqs: SQSClient,
  queueUrl: string,
  options: { deployedVersions?: ReadonlyMap<string, string>; log?: Log } = {},
): Promise<RolloutSummary[]> {
  const summaries: RolloutSummary[] = [];
  for (const rollout of await readActiveRollouts(db)) {
    if (rollout.state !== "Running") continue;
    const deployedVersion = options.deployedVersions?.get(rollout.templateSet);
    summaries.push(
      await rolloutStep(db, sqs, queueUrl, rollout.id, {
        ...(deployedVersion === undefined ? {} : { deployedVersion }),
        ...(options.log ? { log: options.log } : {}),
      }),
    );
  }
  return summaries;
}

/** Where a rollout stands, changing nothing. */
export async function rolloutStatus(db: Queryable, rolloutId: number): Promise<RolloutSummary> {
  const rollout = await readRollout(db, rolloutId);
  if (!rollout) throw new TenantSyncError(`tenant_sync_rollouts has no rollout ${rolloutId}`);
  const admitted = await readAdmitted(db, rollout);
  const remaining = await countRemaining(db, rollout);
  const { counts, failedTenants } = countProgress(admitted, rollout.toVersion, remaining);
  return summaryOf(rollout, counts, failedTenants, []);
}

function summaryOf(
  rollout: Rollout,
  counts: ProgressCounts,
  failedTenants: readonly string[],
  admittedNow: readonly string[],
): RolloutSummary {
  return {
    id: rollout.id,
    set: rollout.templateSet,
    fromVersion: rollout.fromVersion,
    toVersion: rollout.toVersion,
    state: rollout.state,
    wave: rollout.currentWave,
    ...counts,
    admittedNow: [...admittedNow],
    failedTenants: failedTenants.slice(0, NAMED_FAILURES),
    message: rollout.message,
  };
}
