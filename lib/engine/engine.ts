/**
 * lib/engine: one tenant made equal to its row and the template sets (`Engine.reconcile`). Objects are
 * handled through the resource manager (lib/kube/manager); the phases of an apply are in phases/, in order:
 *
 *   1. select-sets       the sets whose selectors pick the row
 *   2. (cluster)         the tenant's cluster client, or why there is none
 *   3. write-ahead       inventory entries (hash `apply-pending`) for objects about to be created
 *   4. apply-sets        each set's DAG, Namespace-creating sets first; readiness waits up to the deadline
 *   5. record-inventory  the applied objects' entries (a moved object's only once everything is Ready)
 *   6. write-ahead       write-ahead entries of objects not created after all are dropped
 *   7. prune             when all is Ready: stale objects removed, then their entries
 *   8. remove-sets       sets that no longer select the tenant torn down
 *   9. write-status      status rows, with the recheck's outbox row when something is Progressing
 *
 * The database writes, in that order (nothing is written to the cluster before step 3's write):
 *   - inventory: write-ahead entries of new objects (recordApplied, `apply-pending`), before any apply;
 *   - inventory: entries of what was applied (recordApplied), after all applies and readiness waits;
 *   - inventory: abandoned write-ahead entries removed (removeInventory);
 *   - inventory: pruned objects' entries removed, after their removal from the cluster;
 *   - inventory: entries of sets no longer selected marked `apply-pending`, then removed once their objects
 *     are gone (the same two writes as a teardown, below);
 *   - status: rows upserted (older rows of sets the tenant no longer has marked Deleted), and, when a
 *     resource is Progressing, the recheck's outbox row (not-before) in the same transaction.
 * A teardown (row deleted or inactive) writes: entries marked `apply-pending`, objects removed, their
 * entries removed, status rows (Deleted, or Failed naming what is left). An unreadable row writes only
 * Failed status rows and touches no object.
 */
import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { type InventoryEntry, readInventory } from "../db/inventory-store.ts";
import type { Queryable } from "../db/queryable.ts";
import type { TenantRecord, TenantSource } from "../db/source.ts";
import { TenantRowError } from "../db/source-errors.ts";
import { upsertStatus } from "../db/status-store.ts";
import type { ClusterClient } from "../kube/cluster-client.ts";
import { withRequestDeadline } from "../kube/request-deadline.ts";
import type { Log } from "../log.ts";
import type { TemplateSet } from "../templates/model.ts";
import { renderTenant } from "../templates/render.ts";
import { setsConcerned } from "./invalid-tenant.ts";
import type { TenantOutcome } from "./outcome.ts";
import { applySets } from "./phases/apply-sets.ts";
import { prune } from "./phases/prune.ts";
import { recordInventory, staleEntries } from "./phases/record-inventory.ts";
import { removeSets } from "./phases/remove-sets.ts";
import { selectSets } from "./phases/select-sets.ts";
import { dropAbandoned, writeAhead } from "./phases/write-ahead.ts";
import { writeStatusAndRecheck, writeStatuses } from "./phases/write-status.ts";
import { DEFAULT_RECHECK, type RecheckSettings, recheckDelaySeconds } from "./recheck.ts";
import { statusRow } from "./status-row.ts";

/**
 * Chooses which version of each set a tenant is rendered with. A rollout (lib/rollout) keeps tenants it has
 * not admitted yet on the version they run; without a resolver every tenant gets `sets` as loaded.
 */
export interface VersionResolver {
  /** `sets` itself, or a copy where some sets are replaced by an older version of the same name. */
  setsFor(tenantKey: string, sets: readonly TemplateSet[]): Promise<readonly TemplateSet[]>;
}

export interface EngineDeps {
  sets: readonly TemplateSet[];
  /** Where status and inventory live (the source's database, or another). */
  db: Queryable;
  source: TenantSource;
  clusters: ClusterRegistry;
  log: Log;
  /** Resources of one tenant applied at once (default 8). */
  concurrency?: number;
  /** Pins tenants to older set versions during a rollout; none: every tenant gets `sets`. */
  versionResolver?: VersionResolver;
  /** Back-off of rechecks of objects not ready yet (default 5 s doubling to 60 s; recheck.ts). */
  recheck?: RecheckSettings;
}

export interface ReconcileOptions {
  /** Skip objects whose applied content is unchanged (default true); repairs pass false to re-apply all. */
  skipUnchanged?: boolean;
  /**
   * Epoch ms the reconcile must be done by (the invocation's remaining time less a margin: lib/runtime/
   * deadline.ts). No API request, readiness wait or deletion wait lasts past it; what is not ready by then is
   * Progressing and rechecked later (recheck.ts). None: each wait lasts up to its own timeout.
   */
  deadline?: number;
}

/** Template set → resource id → entry. */
const groupBySet = (entries: readonly InventoryEntry[]): Map<string, Map<string, InventoryEntry>> =>
  new Map(
    [...Map.groupBy(entries, (entry) => entry.templateSet)].map(([set, list]) => [
      set,
      new Map(list.map((entry) => [entry.resourceId, entry])),
    ]),
  );

/**
 * Makes one tenant's objects equal to what its row and the template sets say. Level-triggered and
 * idempotent: it always re-reads the row, so duplicates, reordering, redrives and sweeps are all the same
 * safe operation. Failures of single resources end up in the status table, never as exceptions; only a
 * database that cannot be reached throws.
 */
export class Engine {
  private readonly deps: EngineDeps;
  private readonly concurrency: number;

  constructor(deps: EngineDeps) {
    this.deps = deps;
    this.concurrency = deps.concurrency ?? 8;
  }

  get sets(): readonly TemplateSet[] {
    return this.deps.sets;
  }

  reconcile(tenantKey: string, options: ReconcileOptions = {}): Promise<TenantOutcome> {
    return withRequestDeadline(options.deadline, () => this.reconcileNow(tenantKey, options));
  }

  private async reconcileNow(tenantKey: string, options: ReconcileOptions): Promise<TenantOutcome> {
    const { db, source, log } = this.deps;
    let record: TenantRecord | undefined;
    try {
      record = await source.readTenant(tenantKey);
    } catch (error) {
      if (!(error instanceof TenantRowError)) throw error;
      // An unreadable row is not a deleted tenant: report it and leave the objects alone.
      await this.recordInvalid(tenantKey, error);
      log.warn("tenant row invalid", { tenantKey, error: error.message });
      return {
        tenantKey,
        action: "invalid",
        cluster: undefined,
        sets: [],
        pruned: 0,
        retryable: false,
        writes: 0,
      };
    }
    const inventory = await readInventory(db, tenantKey);
    const outcome =
      record?.active === true
        ? await this.apply(record, inventory, options)
        : await this.teardownTenant(
            tenantKey,
            inventory,
            record ? "tenant deactivated" : "tenant deleted",
            options.deadline,
          );
    log.info("tenant reconciled", {
      tenantKey,
      action: outcome.action,
      cluster: outcome.cluster,
      phases: Object.fromEntries(outcome.sets.map((s) => [s.templateSet, s.phase])),
      writes: outcome.writes,
      pruned: outcome.pruned,
      retryable: outcome.retryable,
    });
    return outcome;
  }

  private async apply(
    record: TenantRecord,
    inventory: InventoryEntry[],
    options: ReconcileOptions,
  ): Promise<TenantOutcome> {
    const { db, clusters } = this.deps;
    const bySet = groupBySet(inventory);
    const { selected, statuses, selectorFailed } = selectSets(record, await this.setsFor(record.key));
    let client: ClusterClient | undefined;
    let clusterError: string | undefined;
    try {
      client = await clusters.client(record.cluster);
    } catch (error) {
      clusterError = (error as Error).message;
    }
    const renders = new Map(
      selected.map((set) => [set.name, renderTenant(set, record.row, record.key, record.cluster)]),
    );
    const pending = await writeAhead(db, client, selected, renders, bySet);
    const { applied, outcomes, ...done } = await applySets({
      record,
      selected,
      renders,
      bySet,
      client,
      clusterError,
      skipUnchanged: options.skipUnchanged ?? true,
      concurrency: this.concurrency,
      deadline: options.deadline,
    });
    statuses.push(...done.statuses);

    // Pruning only after every apply of this tenant succeeded: a half-applied tenant keeps what it had.
    const allReady = !selectorFailed && client !== undefined && outcomes.every((o) => o.phase === "Ready");
    const stale = allReady ? staleEntries(inventory, selected, applied, record.cluster) : [];
    const recorded = await recordInventory(db, applied, bySet, allReady);
    await dropAbandoned(db, record.key, pending, outcomes);
    const pruned = await prune(this.deps, record.key, stale, recorded, statuses, options.deadline);
    let writes = outcomes.reduce((sum, o) => sum + o.resources.filter((r) => r.wrote).length, 0);
    writes += pruned.writes;
    let retryable = outcomes.some((o) => o.resources.some((r) => r.transient)) || clusterError !== undefined;
    retryable ||= pruned.retryable;

    // Sets the tenant no longer gets (selector stopped matching) are torn down like a deleted tenant.
    const unselected = inventory.filter(
      (e) =>
        !selected.some((s) => s.name === e.templateSet) &&
        !statuses.some((s) => s.templateSet === e.templateSet),
    );
    if (unselected.length > 0) {
      const removal = await removeSets(
        this.deps,
        record.key,
        unselected,
        "template set no longer selects this tenant",
        options.deadline,
      );
      statuses.push(...removal.statuses);
      writes += removal.writes;
      retryable ||= removal.retryable;
    }
    const recheckIn = recheckDelaySeconds(outcomes, this.deps.recheck ?? DEFAULT_RECHECK);
    await writeStatusAndRecheck(db, record.key, statuses, selected, recheckIn);
    return {
      tenantKey: record.key,
      action: "apply",
      cluster: record.cluster,
      sets: outcomes,
      pruned: pruned.pruned,
      retryable,
      writes,
    };
  }

  private async teardownTenant(
    tenantKey: string,
    inventory: InventoryEntry[],
    reason: string,
    deadline: number | undefined,
  ): Promise<TenantOutcome> {
    const removal = await removeSets(this.deps, tenantKey, inventory, reason, deadline);
    await writeStatuses(this.deps.db, tenantKey, removal.statuses, []);
    return {
      tenantKey,
      action: "teardown",
      cluster: inventory[0]?.cluster,
      sets: removal.statuses.map((status) => ({
        templateSet: status.templateSet,
        templateVersion: status.templateVersion ?? "",
        phase: status.phase,
        resources: [],
        message: status.message,
        appliedHash: null,
      })),
      pruned: removal.removed,
      retryable: removal.retryable,
      writes: removal.writes,
    };
  }

  private async recordInvalid(tenantKey: string, error: TenantRowError): Promise<void> {
    // The version a rollout holds the tenant on, so the Failed row does not look like a move to the new one.
    const sets = await setsConcerned(this.deps.db, error, tenantKey, await this.setsFor(tenantKey));
    await upsertStatus(
      this.deps.db,
      sets.map((set) => statusRow(tenantKey, set, null, "Failed", error.message)),
    );
  }

  /** The sets as this tenant renders them: the loaded ones, or older versions a rollout pins it to. */
  private async setsFor(tenantKey: string): Promise<readonly TemplateSet[]> {
    const { versionResolver, sets } = this.deps;
    return versionResolver ? versionResolver.setsFor(tenantKey, sets) : sets;
  }
}
