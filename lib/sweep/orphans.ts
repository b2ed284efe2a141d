import pLimit from "p-limit";
import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { type InventoryEntry, removeInventory } from "../db/inventory-store.ts";
import type { Queryable } from "../db/queryable.ts";
import type { TenantSource } from "../db/source.ts";
import { DELETED_STATUS, type StatusRecord, upsertStatus } from "../db/status-store.ts";
import { teardown } from "../engine/teardown.ts";
import type { TemplateSet } from "../templates/model.ts";
import type { DesiredIndex } from "./desired-index.ts";
import type { Orphan } from "./plan.ts";
import { rowDigest } from "./render-cache.ts";

/**
 * Drops the orphans of tenants whose row changed since the sweep read it (created again, reactivated,
 * moved): the plan was made from an older picture, and the next run judges them afresh. Returns the orphans
 * that stand and how many were dropped.
 */
export async function recheckOrphans(
  source: TenantSource,
  desired: DesiredIndex,
  orphans: readonly Orphan[],
  concurrency: number,
): Promise<{ standing: Orphan[]; dropped: number }> {
  const tenants = [...new Set(orphans.map((o) => o.tenantKey))];
  const changed = new Set<string>();
  const limit = pLimit(concurrency);
  await Promise.all(
    tenants.map((key) =>
      limit(async () => {
        const before = desired.tenants.get(key);
        try {
          const now = await source.readTenant(key);
          const same =
            now === undefined
              ? before === undefined
              : before !== undefined &&
                now.active === before.active &&
                rowDigest(now.cluster, now.row) === before.digest;
          if (!same) changed.add(key);
        } catch {
          // Unreadable now: certainly not a tenant to delete things of.
          changed.add(key);
        }
      }),
    ),
  );
  const standing = orphans.filter((o) => !changed.has(o.tenantKey));
  return { standing, dropped: orphans.length - standing.length };
}

export interface RemovalResult {
  removed: number;
  retained: number;
  failures: string[];
  /** Requests that changed the cluster (deletes, ownership-stripping patches). */
  writes: number;
}

/**
 * Removes orphans by their deletion policy (Delete, or Retain: strip our labels and mark the object
 * orphaned), dependents before their dependencies, through the engine's teardown, which re-reads each object
 * and leaves it alone unless it still carries this tenant's labels. Inventory entries go once their object
 * did; sets that a tenant lost as a whole are recorded as Deleted.
 */
export async function removeOrphans(
  deps: { db: Queryable; clusters: ClusterRegistry; sets: readonly TemplateSet[] },
  orphans: readonly Orphan[],
  concurrency: number,
): Promise<RemovalResult> {
  const result: RemovalResult = { removed: 0, retained: 0, failures: [], writes: 0 };
  const byTenant = Map.groupBy(orphans, (orphan) => orphan.tenantKey);
  const limit = pLimit(concurrency);
  await Promise.all(
    [...byTenant].map(([tenantKey, list]) =>
      limit(async () => {
        const failedSets = new Set<string>();
        for (const batch of batches(list)) {
          const removal = await teardown(
            deps.clusters,
            batch.map(asEntry),
            // One reason per call; teardown orders each (cluster, set) group by dependsOn.
            { tenantKey, reason: `sweep: ${batch[0]?.reason ?? "orphaned"}` },
          );
          result.writes += removal.writes;
          const gone = new Set(
            removal.removed.map((k) => `${k.cluster}\u0000${k.templateSet}\u0000${k.resourceId}`),
          );
          const inventoryKeys = batch
            .filter((o) => gone.has(`${o.cluster}\u0000${o.templateSet}\u0000${o.resourceId}`))
            .flatMap((o) => (o.inventoryKey ? [o.inventoryKey] : []));
          await removeInventory(deps.db, tenantKey, inventoryKeys);
          for (const orphan of batch) {
            if (!gone.has(`${orphan.cluster}\u0000${orphan.templateSet}\u0000${orphan.resourceId}`)) continue;
            if (orphan.deletion === "Retain") result.retained++;
            else result.removed++;
          }
          for (const failure of removal.failures) {
            failedSets.add(failure.templateSet);
            result.failures.push(
              `tenant ${tenantKey} ${failure.templateSet}/${failure.resourceId}: ${failure.message}`,
            );
          }
        }
        await recordDeleted(deps, tenantKey, list, failedSets);
      }),
    ),
  );
  return result;
}

/**
 * Splits one tenant's orphans into teardown calls: one reason each, and no (cluster, set, resource) twice in
 * a call, since teardown addresses objects by resource id within a set.
 */
function batches(orphans: readonly Orphan[]): Orphan[][] {
  const result: { reason: string; ids: Set<string>; items: Orphan[] }[] = [];
  for (const orphan of orphans) {
    const id = `${orphan.cluster}\u0000${orphan.templateSet}\u0000${orphan.resourceId}`;
    let batch = result.find((b) => b.reason === orphan.reason && !b.ids.has(id));
    if (!batch) {
      batch = { reason: orphan.reason, ids: new Set(), items: [] };
      result.push(batch);
    }
    batch.ids.add(id);
    batch.items.push(orphan);
  }
  return result.map((b) => b.items);
}

function asEntry(orphan: Orphan): InventoryEntry {
  const { object } = orphan;
  return {
    cluster: orphan.cluster,
    tenantKey: orphan.tenantKey,
    templateSet: orphan.templateSet,
    resourceId: orphan.resourceId,
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
    contentHash: object.hash ?? "",
    deletionPolicy: orphan.deletion,
    dependsOn: orphan.dependsOn,
    appliedAt: "",
  };
}

/** A set a tenant lost as a whole (tenant gone, set dropped or deselected) reads Deleted, as after a teardown. */
async function recordDeleted(
  deps: { db: Queryable; sets: readonly TemplateSet[] },
  tenantKey: string,
  orphans: readonly Orphan[],
  failedSets: ReadonlySet<string>,
): Promise<void> {
  const whole = new Map<string, Orphan>();
  for (const orphan of orphans) {
    // Only sets the object names itself: a status row for a guessed set name would mislead.
    if (orphan.wholeSet && orphan.object.templateSet !== undefined) whole.set(orphan.templateSet, orphan);
  }
  const rows: StatusRecord[] = [...whole.values()]
    .filter((orphan) => !failedSets.has(orphan.templateSet))
    .map((orphan) => ({
      tenantKey,
      templateSet: orphan.templateSet,
      ...DELETED_STATUS,
      templateVersion: deps.sets.find((s) => s.name === orphan.templateSet)?.version ?? null,
      message: `removed by the sweep: ${orphan.reason}`,
      cluster: orphan.cluster,
    }));
  await upsertStatus(deps.db, rows);
}
