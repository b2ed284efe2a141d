import { randomUUID } from "node:crypto";
import os from "node:os";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { requireQueueUrl } from "../config.ts";
import { removeInventory } from "../db/inventory-store.ts";
import type { Queryable } from "../db/queryable.ts";
import type { TenantSource } from "../db/source.ts";
import type { Engine, VersionResolver } from "../engine/engine.ts";
import { TenantSyncError } from "../errors.ts";
import { withRequestDeadline } from "../kube/request-deadline.ts";
import type { Log } from "../log.ts";
import type { TemplateSet } from "../templates/model.ts";
import { deepCheck } from "./deep-check.ts";
import { buildDesiredIndex, type SetRender } from "./desired-index.ts";
import { acquireLease, releaseLease, renewLease } from "./lease.ts";
import { holdMovedOrphans } from "./moved-orphans.ts";
import { checkSweepOptions, DEFAULT_SWEEP_OPTIONS, type SweepOptions } from "./options.ts";
import { recheckOrphans, removeOrphans } from "./orphans.ts";
import { addRepair } from "./plan.ts";
import { RenderCache } from "./render-cache.ts";
import { fanOut, markDrift, repairInline } from "./repair.ts";
import { newProgress, type Progress, type ReportInput, reportRun } from "./report.ts";
import type { SweepCounts, SweepOutcome, SweepResult } from "./result.ts";
import { findRetries, type RetryCandidate } from "./retry.ts";
import { forgetRecovered, recordRetries } from "./retry-store.ts";
import { lastDeepSlice, startRun } from "./run-store.ts";
import { sweepScope } from "./scope.ts";
import { surveyClusters } from "./survey.ts";
import { holdReason } from "./valves.ts";

export interface SweepDeps {
  /** Where inventory, status, the lease and the run reports live. */
  db: Queryable;
  source: TenantSource;
  sets: readonly TemplateSet[];
  clusters: ClusterRegistry;
  log: Log;
  /** Needed for inline repairs. */
  engine?: Engine;
  /** The engine's version resolver: tenants a rollout holds on older set versions are judged by those. */
  versionResolver?: VersionResolver;
  /** Needed to fan repairs out (the default). */
  sqs?: SQSClient;
  queueUrl?: string;
  /** Names this process in the lease and the run's row (default: host name and pid). */
  holder?: string;
}

/** The lease name every sweep of one database shares. */
export const SWEEP_LEASE = "sweep";

/**
 * The scheduled sweep: makes every cluster equal to what the tenant rows and templates say. It plans first
 * (render every active tenant's hashes, list each kind's managed objects once per cluster, compare with the
 * inventory), then acts: tenants that need repairs are enqueued (or reconciled here in inline mode), and
 * orphans are removed by their deletion policy, unless a safety valve holds the deletions back. Tenants whose
 * status says Failed or Conflicted are retried the same way as repairs, with a back-off per tenant. One sweep
 * acts at a time (a lease in the database); every run leaves a row in tenant_sync_sweep_runs and one log line.
 *
 * A Sweeper keeps rendered hashes between runs (warm Lambda containers, the local runner): construct it once.
 */
export class Sweeper {
  private readonly deps: SweepDeps;
  private readonly cache = new RenderCache<SetRender>();

  constructor(deps: SweepDeps) {
    this.deps = deps;
  }

  /** `invocation.deadline` (epoch ms): inline repairs start no tenant after it and wait no longer. */
  async run(
    overrides: Partial<SweepOptions> = {},
    invocation: { deadline?: number } = {},
  ): Promise<SweepResult> {
    const options = checkSweepOptions({ ...DEFAULT_SWEEP_OPTIONS, ...overrides });
    const { db, clusters, log } = this.deps;
    const holder = `${this.deps.holder ?? `${os.hostname()}:${process.pid}`}:${randomUUID().slice(0, 8)}`;
    const started = performance.now();
    const before = clusters.totals();

    if (!options.dryRun) {
      const lease = await acquireLease(db, SWEEP_LEASE, holder, options.leaseSeconds);
      if (!lease.acquired) {
        const reason = `another sweep holds the lease until ${lease.expiresAt} (holder ${lease.holder})`;
        return this.report({
          runId: undefined,
          holder,
          outcome: "Skipped",
          reason,
          progress: undefined,
          started,
          before,
          options,
        });
      }
    }
    let runId: number | undefined;
    let progress: Progress | undefined;
    try {
      runId = await startRun(db, holder);
      progress = newProgress();
      await this.execute(runId, holder, options, progress, invocation.deadline);
      const outcome: SweepOutcome = options.dryRun
        ? "DryRun"
        : progress.heldReason !== undefined
          ? "Held"
          : progress.errors.length > 0
            ? "Failed"
            : "Done";
      return await this.report({
        runId,
        holder,
        outcome,
        reason: undefined,
        progress,
        started,
        before,
        options,
      });
    } catch (error) {
      const reason = `the sweep stopped: ${(error as Error).message}`;
      log.error("sweep failed", { runId, error: (error as Error).message });
      return await this.report({
        runId,
        holder,
        outcome: "Failed",
        reason,
        progress,
        started,
        before,
        options,
      });
    } finally {
      this.cache.rotate();
      if (!options.dryRun) {
        await releaseLease(db, SWEEP_LEASE, holder).catch((error: Error) =>
          log.warn("sweep could not release its lease (it expires on its own)", { error: error.message }),
        );
      }
    }
  }

  /** Plan, then act. Fills `progress` as it goes, so a failure still reports what was found. */
  private async execute(
    runId: number,
    holder: string,
    options: SweepOptions,
    progress: Progress,
    deadline: number | undefined,
  ) {
    const { db, source, sets, clusters } = this.deps;
    const { counts, errors, plan } = progress;

    // The slice is recorded only once it was checked, so a run that stops earlier leaves it to the next.
    const period = options.deepCheckPeriod;
    let slice: number | undefined;
    if (options.deepCheckMaxTenants > 0) {
      const last = await lastDeepSlice(db);
      slice = last === undefined ? 0 : (last + 1) % period;
    }
    const scope = sweepScope(options.labelSelector, sets);
    const desired = await buildDesiredIndex({
      source,
      sets,
      versionResolver: this.deps.versionResolver,
      clusters,
      cache: this.cache,
      deepSlice: slice === undefined ? undefined : { slice, period, maxTenants: options.deepCheckMaxTenants },
      scope,
    });
    counts.tenants = desired.tenantsRead;
    counts.invalidRows = desired.invalid.size;
    counts.activeTenants = [...desired.tenants.values()].filter((t) => t.active).length;
    counts.renderFailures = desired.renderFailures;
    counts.desiredObjects = desired.desiredObjects;
    for (const [cluster, message] of desired.clusterErrors)
      errors.push(`cluster ${cluster} not swept: ${message}`);
    if (desired.sourceError !== undefined) {
      progress.heldReason = holdReason(
        {
          sourceError: desired.sourceError,
          tenantsRead: 0,
          liveObjects: 0,
          managedTenants: 0,
          orphanTenants: 0,
          orphans: 0,
        },
        options,
      );
      return;
    }

    const { clients, full } = await surveyClusters({
      db,
      clusters,
      desired,
      sets,
      scope,
      plan,
      counts,
      errors,
    });

    if (slice !== undefined) {
      const records = [...desired.deepRows.values()].filter(
        (r) => !plan.repairs.has(r.key) && clients.has(r.cluster),
      );
      const deep = await deepCheck({
        records,
        setsFor: (tenantKey) => desired.tenants.get(tenantKey)?.pinned ?? sets,
        client: (cluster) => clients.get(cluster),
        candidates: plan.deepCandidates,
        live: (key) => full.get(key),
        concurrency: 16,
      });
      progress.dryRuns = deep.dryRuns;
      counts.deepChecked = deep.checked;
      counts.deepCheckedTenants = deep.tenants;
      counts.deepDrifted = deep.drifted.length;
      counts.deepCheckErrors = deep.errors.length;
      for (const finding of deep.drifted) addRepair(plan, finding.object, "deep-drift", true);
      // A check that could not be made is no finding; the tenant's next reconcile reports real problems.
      for (const message of deep.errors.slice(0, 5))
        this.deps.log.warn("sweep deep check failed", { error: message });
      progress.deepSlice = slice;
    }

    counts.liveObjects = plan.liveObjects;
    counts.managedTenants = plan.managedTenants.size;
    counts.orphans = plan.orphans.length;
    counts.staleInventory = [...plan.staleInventory.values()].reduce((sum, list) => sum + list.length, 0);
    counts.tenantsToRepair = plan.repairs.size;
    progress.retries = await findRetries(db, {
      tenants: desired.tenants,
      sets,
      swept: new Set(clients.keys()),
      repairs: plan.repairs,
      scope,
      options,
    });
    counts.failedTenants = progress.retries.failedTenants;
    counts.retryWaiting = progress.retries.waiting;
    counts.retryDeferred = progress.retries.deferred;
    const recheck = await recheckOrphans(source, desired, plan.orphans, options.concurrency);
    const moves = holdMovedOrphans(recheck.standing, desired, new Set(clients.keys()), plan.repairs);
    recheck.standing = moves.standing;
    progress.standing = recheck.standing;
    counts.orphansChangedMeanwhile = recheck.dropped;
    counts.orphansAwaitingMove = moves.waiting.length;
    counts.orphanTenants = new Set(recheck.standing.map((o) => o.tenantKey)).size;
    progress.heldReason = holdReason(
      {
        sourceError: undefined,
        tenantsRead: desired.tenantsRead,
        liveObjects: plan.liveObjects,
        managedTenants: plan.managedTenants.size,
        orphanTenants: counts.orphanTenants,
        orphans: recheck.standing.length,
      },
      options,
    );
    if (options.dryRun) return;

    if (!(await renewLease(db, SWEEP_LEASE, holder, options.leaseSeconds))) {
      throw new TenantSyncError(
        `another sweep took the lease while this one was planning (run ${runId} took longer than ` +
          `${options.leaseSeconds} s); nothing was changed. Raise leaseSeconds above the sweep's duration.`,
      );
    }
    await this.repair(runId, options, progress, deadline);
    // Orphan removal waits for objects to go: bounded by the invocation's deadline like every request in it.
    if (progress.heldReason === undefined) {
      await withRequestDeadline(deadline, () => this.remove(options, progress));
    }
  }

  /**
   * Repairs and retries proceed even when deletions are held: they only re-apply what existing rows ask for.
   * A retry is one ordinary reconcile of the tenant, like a repair.
   */
  private async repair(
    runId: number,
    options: SweepOptions,
    progress: Progress,
    deadline: number | undefined,
  ) {
    const { counts, errors, plan, retries } = progress;
    await forgetRecovered(this.deps.db);
    const tenants = [...plan.repairs.keys(), ...retries.due.map((retry) => retry.tenantKey)];
    if (tenants.length === 0) return;
    await markDrift(this.deps.db, plan.repairs);
    if (options.inline) {
      if (!this.deps.engine)
        throw new TenantSyncError("inline repairs need an engine; none was given to the Sweeper");
      // Recorded before the reconcile, so a retry that never finishes still counts and cannot loop hot.
      await this.recordRetried(retries.due, counts);
      const inline = await repairInline(this.deps.engine, tenants, options.concurrency, deadline);
      counts.repaired = inline.repaired;
      counts.repairFailed = inline.failed.length;
      for (const failure of inline.failed.slice(0, 20)) {
        this.deps.log.warn("sweep repair incomplete", { tenant: failure.tenant, reason: failure.reason });
      }
      return;
    }
    const queueUrl = requireQueueUrl(this.deps, "the sweep fans repairs out on the queue, or run it inline");
    const { sqs } = this.deps;
    // Wiring, not configuration: the composition root gives an SQS client whenever it gives a queue URL.
    if (!sqs) throw new Error("the Sweeper was given a queue URL but no SQS client");
    const sent = await fanOut(sqs, queueUrl, tenants, runId);
    const unsent = new Set(sent.failed.map((failure) => failure.tenant));
    await this.recordRetried(
      retries.due.filter((retry) => !unsent.has(retry.tenantKey)),
      counts,
    );
    counts.enqueued = sent.enqueued;
    counts.enqueueFailed = sent.failed.length;
    if (sent.failed.length > 0) {
      errors.push(
        `${sent.failed.length} tenants could not be enqueued (first: ${sent.failed[0]?.tenant}: ${sent.failed[0]?.reason}); the next run finds them again`,
      );
    }
  }

  private async recordRetried(retries: readonly RetryCandidate[], counts: SweepCounts) {
    await recordRetries(this.deps.db, retries);
    counts.retried = retries.length;
  }

  private async remove(options: SweepOptions, progress: Progress) {
    const { counts, errors, plan, standing } = progress;
    const { db, clusters, sets } = this.deps;
    if (standing.length > 0) {
      const removal = await removeOrphans({ db, clusters, sets }, standing, options.concurrency);
      counts.removed = removal.removed;
      counts.retained = removal.retained;
      counts.removeFailed = removal.failures.length;
      for (const failure of removal.failures.slice(0, 20)) errors.push(`removing an orphan: ${failure}`);
    }
    for (const [tenantKey, keys] of plan.staleInventory) {
      counts.staleInventoryRemoved += await removeInventory(db, tenantKey, keys);
    }
  }

  private report(input: Omit<ReportInput, "db" | "log" | "after">): Promise<SweepResult> {
    return reportRun({ ...input, db: this.deps.db, log: this.deps.log, after: this.deps.clusters.totals() });
  }
}
