import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import {
  type AppliedEntry,
  type InventoryEntry,
  readInventory,
  recordApplied,
  removeInventory,
} from "../db/inventory-store.ts";
import type { Queryable } from "../db/queryable.ts";
import type { TenantRecord, TenantSource } from "../db/source.ts";
import { TenantRowError } from "../db/source-errors.ts";
import { DELETED_STATUS, readStatus, type StatusRecord, upsertStatus } from "../db/status-store.ts";
import { NamespaceGuard } from "../kube/manager/namespace-guard.ts";
import { ResourceManager } from "../kube/manager/resource-manager.ts";
import { withRequestDeadline } from "../kube/request-deadline.ts";
import type { Log } from "../log.ts";
import { scheduleRecheck } from "../pipeline/outbox/outbox-recheck.ts";
import { contentHash } from "../templates/canonical.ts";
import type { TemplateSet } from "../templates/model.ts";
import { renderTenant } from "../templates/render.ts";
import { selects } from "../templates/selector.ts";
import { type AppliedSet, applySet, refOfEntry, sameObject } from "./apply-set.ts";
import { APPLY_PENDING, pendingEntries } from "./intent.ts";
import { setsConcerned } from "./invalid-tenant.ts";
import { type SetOutcome, summarize, type TenantOutcome } from "./outcome.ts";
import { DEFAULT_RECHECK, type RecheckSettings, recheckDelaySeconds } from "./recheck.ts";
import { teardown } from "./teardown.ts";

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
    const selected: TemplateSet[] = [];
    const outcomes: SetOutcome[] = [];
    const statuses: StatusRecord[] = [];
    let selectorFailed = false;
    for (const set of await this.setsFor(record.key)) {
      try {
        if (selects(set, record.row)) selected.push(set);
      } catch (error) {
        selectorFailed = true;
        statuses.push(this.status(record.key, set, record.cluster, "Failed", (error as Error).message));
      }
    }

    let client: Awaited<ReturnType<ClusterRegistry["client"]>> | undefined;
    let clusterError: string | undefined;
    try {
      client = await clusters.client(record.cluster);
    } catch (error) {
      clusterError = (error as Error).message;
    }

    const applied = new Map<string, AppliedSet>();
    const renders = new Map(
      selected.map((set) => [set.name, renderTenant(set, record.row, record.key, record.cluster)]),
    );
    // Write-ahead: objects about to be created are in the inventory before they exist (see intent.ts).
    const pending = client ? await pendingEntries(client, selected, renders, bySet) : [];
    if (pending.length > 0) await recordApplied(db, pending);
    // Sets that create namespaces go first, so another set's objects never race their namespace into existence.
    const createsNamespace = (set: TemplateSet) =>
      renders
        .get(set.name)
        ?.resources.some((r) => r.ok && r.object.kind === "Namespace" && !r.object.apiVersion.includes("/"));
    const stages = [selected.filter(createsNamespace), selected.filter((set) => !createsNamespace(set))];
    let namespaces: NamespaceGuard | undefined;
    for (const stage of stages) {
      await Promise.all(
        stage.map(async (set) => {
          if (!client) {
            const status = this.status(
              record.key,
              set,
              record.cluster,
              "Failed",
              clusterError ?? "cluster unavailable",
            );
            statuses.push(status);
            outcomes.push({ ...this.setOutcome(set, status), resources: [] });
            return;
          }
          const render = renders.get(set.name) as ReturnType<typeof renderTenant>;
          namespaces ??= new NamespaceGuard(client, record.key);
          const result = await applySet({
            manager: new ResourceManager(client, { tenantKey: record.key, namespaces }),
            set,
            render,
            inventory: bySet.get(set.name) ?? new Map(),
            skipUnchanged: options.skipUnchanged ?? true,
            concurrency: this.concurrency,
            namespaces,
            deadline: options.deadline,
          });
          applied.set(set.name, result);
          const { phase, message } = summarize(result.resources);
          const status: StatusRecord = {
            ...this.status(record.key, set, record.cluster, phase, message),
            desired: set.resources.length,
            ready: result.resources.filter((r) => r.state === "ready").length,
            failed: result.resources.filter((r) => r.state === "failed" || r.state === "conflicted").length,
            skipped: result.resources.filter((r) => r.state === "skipped").length,
            appliedHash: phase === "Ready" ? combinedHash(result.hashes) : null,
          };
          statuses.push(status);
          outcomes.push({ ...this.setOutcome(set, status), resources: result.resources });
        }),
      );
    }

    // Pruning only after every apply of this tenant succeeded: a half-applied tenant keeps what it had.
    const allReady = !selectorFailed && client !== undefined && outcomes.every((o) => o.phase === "Ready");
    const stale = allReady ? this.staleEntries(inventory, selected, applied, record.cluster) : [];
    // Recording an object that moved (new name or namespace, same cluster) overwrites the old one's entry,
    // so that waits until the old object has been pruned.
    const moved = (entry: AppliedEntry) => {
      const previous = bySet.get(entry.templateSet)?.get(entry.resourceId);
      return (
        previous !== undefined &&
        previous.cluster === entry.cluster &&
        !sameObject(previous, entry.cluster, refOfEntry(entry))
      );
    };
    const entries = [...applied.values()].flatMap((result) =>
      result.entries.filter((e) => allReady || !moved(e)),
    );
    await recordApplied(db, entries);
    // Write-ahead entries of objects this reconcile did not create after all (refused as another tenant's,
    // conflicted, skipped) go again. Those of transient failures stay: the request may have created the
    // object before the connection broke; so do those of objects still pending: the recheck creates them.
    const abandoned = pending.filter((p) => {
      const outcome = outcomes
        .find((o) => o.templateSet === p.templateSet)
        ?.resources.find((r) => r.resourceId === p.resourceId);
      const given =
        outcome?.state === "failed" || outcome?.state === "conflicted" || outcome?.state === "skipped";
      return outcome !== undefined && given && !outcome.wrote && !outcome.transient;
    });
    if (abandoned.length > 0) await removeInventory(db, record.key, abandoned);

    let pruned = 0;
    let writes = outcomes.reduce((sum, o) => sum + o.resources.filter((r) => r.wrote).length, 0);
    let retryable = outcomes.some((o) => o.resources.some((r) => r.transient)) || clusterError !== undefined;
    if (stale.length > 0) {
      const removal = await teardown(clusters, stale, {
        tenantKey: record.key,
        reason: "no longer rendered by its template set",
        deadline: options.deadline,
      });
      const reRecorded = new Set(
        entries.map((e) => `${e.cluster}\u0000${e.templateSet}\u0000${e.resourceId}`),
      );
      await removeInventory(
        db,
        record.key,
        removal.removed.filter(
          (k) => !reRecorded.has(`${k.cluster}\u0000${k.templateSet}\u0000${k.resourceId}`),
        ),
      );
      pruned = removal.removed.length;
      writes += removal.writes;
      retryable ||= removal.failures.some((f) => f.transient);
      for (const failure of removal.failures) {
        const status = statuses.find((s) => s.templateSet === failure.templateSet);
        if (status) {
          status.phase = "Failed";
          status.message = `pruning ${failure.resourceId} failed: ${failure.message}`;
        }
      }
    }

    // Sets the tenant no longer gets (selector stopped matching) are torn down like a deleted tenant.
    const unselected = inventory.filter(
      (e) =>
        !selected.some((s) => s.name === e.templateSet) &&
        !statuses.some((s) => s.templateSet === e.templateSet),
    );
    if (unselected.length > 0) {
      const removal = await this.removeSets(
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
    if (recheckIn === undefined) await this.writeStatuses(db, record.key, statuses, selected);
    else {
      // One transaction: a Progressing status always has its recheck waiting (docs/engine.md).
      await db.transaction(async (tx) => {
        await this.writeStatuses(tx, record.key, statuses, selected);
        await scheduleRecheck(tx, record.key, recheckIn);
      });
    }
    return {
      tenantKey: record.key,
      action: "apply",
      cluster: record.cluster,
      sets: outcomes,
      pruned,
      retryable,
      writes,
    };
  }

  /** Inventory entries no longer rendered: removed resources, moved objects, objects on a former cluster. */
  private staleEntries(
    inventory: readonly InventoryEntry[],
    selected: readonly TemplateSet[],
    applied: ReadonlyMap<string, AppliedSet>,
    cluster: string,
  ): InventoryEntry[] {
    return inventory.filter((entry) => {
      if (!selected.some((set) => set.name === entry.templateSet)) return false;
      const ref = applied.get(entry.templateSet)?.refs.get(entry.resourceId);
      return ref === undefined || !sameObject(entry, cluster, ref);
    });
  }

  private async teardownTenant(
    tenantKey: string,
    inventory: InventoryEntry[],
    reason: string,
    deadline: number | undefined,
  ): Promise<TenantOutcome> {
    const removal = await this.removeSets(tenantKey, inventory, reason, deadline);
    await this.writeStatuses(this.deps.db, tenantKey, removal.statuses, []);
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

  private async removeSets(
    tenantKey: string,
    entries: InventoryEntry[],
    reason: string,
    deadline: number | undefined,
  ) {
    // Written ahead of the first delete: a teardown that dies part-way (worker killed) must not leave entries
    // saying "applied, unchanged", or a reconcile of the tenant reactivated meanwhile would skip those objects
    // unread and report Ready while their Namespace is still terminating and taking them with it.
    await recordApplied(
      this.deps.db,
      entries.map(({ appliedAt: _appliedAt, ...entry }) => ({ ...entry, contentHash: APPLY_PENDING })),
    );
    const removal = await teardown(this.deps.clusters, entries, { tenantKey, reason, deadline });
    await removeInventory(this.deps.db, tenantKey, removal.removed);
    const statuses: StatusRecord[] = [];
    for (const name of new Set(entries.map((e) => e.templateSet))) {
      const failures = removal.failures.filter((f) => f.templateSet === name);
      const set = this.deps.sets.find((s) => s.name === name);
      statuses.push({
        tenantKey,
        templateSet: name,
        phase: failures.length > 0 ? "Failed" : "Deleted",
        desired: 0,
        ready: 0,
        failed: failures.length,
        skipped: 0,
        appliedHash: null,
        templateVersion: set?.version ?? null,
        message:
          failures.length > 0
            ? `teardown (${reason}) incomplete: ${failures.map((f) => `${f.resourceId}: ${f.message}`).join("; ")}`
            : null,
        cluster: entries.find((e) => e.templateSet === name)?.cluster ?? null,
      });
    }
    return {
      statuses,
      removed: removal.removed.length,
      writes: removal.writes,
      retryable: removal.failures.some((f) => f.transient),
    };
  }

  /** Writes this run's rows, and marks Deleted any older row of a set the tenant no longer has. */
  private async writeStatuses(
    db: Queryable,
    tenantKey: string,
    statuses: StatusRecord[],
    selected: readonly TemplateSet[],
  ) {
    const existing = await readStatus(db, { tenantKey });
    for (const row of existing) {
      const covered = statuses.some((s) => s.templateSet === row.templateSet);
      const live = selected.some((s) => s.name === row.templateSet);
      if (!covered && !live && row.phase !== "Deleted") {
        statuses.push({
          ...row,
          ...DELETED_STATUS,
          message: null,
          observedAt: undefined,
        });
      }
    }
    await upsertStatus(db, statuses);
  }

  private async recordInvalid(tenantKey: string, error: TenantRowError): Promise<void> {
    // The version a rollout holds the tenant on, so the Failed row does not look like a move to the new one.
    const sets = await setsConcerned(this.deps.db, error, tenantKey, await this.setsFor(tenantKey));
    await upsertStatus(
      this.deps.db,
      sets.map((set) => this.status(tenantKey, set, null, "Failed", error.message)),
    );
  }

  /** The sets as this tenant renders them: the loaded ones, or older versions a rollout pins it to. */
  private async setsFor(tenantKey: string): Promise<readonly TemplateSet[]> {
    const { versionResolver, sets } = this.deps;
    return versionResolver ? versionResolver.setsFor(tenantKey, sets) : sets;
  }

  private status(
    tenantKey: string,
    set: TemplateSet,
    cluster: string | null,
    phase: StatusRecord["phase"],
    message: string | null,
  ): StatusRecord {
    return {
      tenantKey,
      templateSet: set.name,
      phase,
      desired: set.resources.length,
      ready: 0,
      failed: phase === "Failed" ? set.resources.length : 0,
      skipped: 0,
      appliedHash: null,
      templateVersion: set.version,
      message,
      cluster,
    };
  }

  private setOutcome(set: TemplateSet, status: StatusRecord): Omit<SetOutcome, "resources"> {
    return {
      templateSet: set.name,
      templateVersion: set.version,
      phase: status.phase,
      message: status.message,
      appliedHash: status.appliedHash,
    };
  }
}

/** One hash for a set's applied objects, so `status` shows whether a tenant's content changed. */
function combinedHash(hashes: ReadonlyMap<string, string>): string {
  return contentHash(Object.fromEntries(hashes));
}
