import type { ClusterRegistry } from "../../clusters/cluster-registry.ts";
import { type AppliedEntry, type InventoryEntry, removeInventory } from "../../db/inventory-store.ts";
import type { Queryable } from "../../db/queryable.ts";
import type { StatusRecord } from "../../db/status-store.ts";
import { teardown } from "../teardown.ts";

export interface Pruned {
  pruned: number;
  writes: number;
  retryable: boolean;
}

/**
 * Phase 7: removes the stale objects by their deletion policy, then their inventory entries (not those the
 * apply just recorded again for a moved object). A failure turns its set's status Failed.
 */
export async function prune(
  deps: { db: Queryable; clusters: ClusterRegistry },
  tenantKey: string,
  stale: InventoryEntry[],
  recorded: readonly AppliedEntry[],
  statuses: StatusRecord[],
  deadline: number | undefined,
): Promise<Pruned> {
  if (stale.length === 0) return { pruned: 0, writes: 0, retryable: false };
  const removal = await teardown(deps.clusters, stale, {
    tenantKey,
    reason: "no longer rendered by its template set",
    deadline,
  });
  const reRecorded = new Set(recorded.map((e) => `${e.cluster}\u0000${e.templateSet}\u0000${e.resourceId}`));
  await removeInventory(
    deps.db,
    tenantKey,
    removal.removed.filter((k) => !reRecorded.has(`${k.cluster}\u0000${k.templateSet}\u0000${k.resourceId}`)),
  );
  for (const failure of removal.failures) {
    const status = statuses.find((s) => s.templateSet === failure.templateSet);
    if (status) {
      status.phase = "Failed";
      status.message = `pruning ${failure.resourceId} failed: ${failure.message}`;
    }
  }
  return {
    pruned: removal.removed.length,
    writes: removal.writes,
    retryable: removal.failures.some((f) => f.transient),
  };
}
