import type { ClusterRegistry } from "../../clusters/cluster-registry.ts";
import { type InventoryEntry, recordApplied, removeInventory } from "../../db/inventory-store.ts";
import type { Queryable } from "../../db/queryable.ts";
import { DELETED_STATUS, type StatusRecord } from "../../db/status-store.ts";
import type { TemplateSet } from "../../templates/model.ts";
import { APPLY_PENDING } from "../intent.ts";
import { teardown } from "../teardown.ts";

export interface RemovedSets {
  statuses: StatusRecord[];
  removed: number;
  writes: number;
  retryable: boolean;
}

/**
 * Phase 8 (and the whole of a teardown): removes every object of whole sets, those the tenant no longer
 * gets or all of a deleted or deactivated tenant's, and answers a Deleted (or Failed) status row per set.
 */
export async function removeSets(
  deps: { db: Queryable; clusters: ClusterRegistry; sets: readonly TemplateSet[] },
  tenantKey: string,
  entries: InventoryEntry[],
  reason: string,
  deadline: number | undefined,
): Promise<RemovedSets> {
  // Written ahead of the first delete: a teardown that dies part-way (worker killed) must not leave entries
  // saying "applied, unchanged", or a reconcile of the tenant reactivated meanwhile would skip those objects
  // unread and report Ready while their Namespace is still terminating and taking them with it.
  await recordApplied(
    deps.db,
    entries.map(({ appliedAt: _appliedAt, ...entry }) => ({ ...entry, contentHash: APPLY_PENDING })),
  );
  const removal = await teardown(deps.clusters, entries, { tenantKey, reason, deadline });
  await removeInventory(deps.db, tenantKey, removal.removed);
  const statuses: StatusRecord[] = [];
  for (const name of new Set(entries.map((e) => e.templateSet))) {
    const failures = removal.failures.filter((f) => f.templateSet === name);
    const set = deps.sets.find((s) => s.name === name);
    statuses.push({
      tenantKey,
      templateSet: name,
      ...DELETED_STATUS,
      ...(failures.length > 0 ? { phase: "Failed" as const, failed: failures.length } : {}),
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
