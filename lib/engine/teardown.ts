import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import type { InventoryEntry, InventoryKey } from "../db/inventory-store.ts";
import { ResourceManager } from "../kube/manager/resource-manager.ts";
import { teardownLevels } from "../templates/graph.ts";

export interface TeardownResult {
  removed: InventoryKey[];
  failures: { templateSet: string; resourceId: string; message: string; transient: boolean }[];
  writes: number;
}

/**
 * Removes inventoried objects by their deletion policy, dependents before their dependencies, one set of
 * one cluster at a time. A level that fails stops that set's teardown, so nothing a still-present object
 * depends on is removed under it; what was not removed stays in the inventory for the next attempt.
 */
export async function teardown(
  clusters: ClusterRegistry,
  entries: readonly InventoryEntry[],
  /** `deadline` (epoch ms): no wait for an object to go lasts past it. */
  options: { tenantKey: string; reason: string; deadline?: number },
): Promise<TeardownResult> {
  const result: TeardownResult = { removed: [], failures: [], writes: 0 };
  const groups = Map.groupBy(entries, (entry) => `${entry.cluster}\u0000${entry.templateSet}`);
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const first = group[0] as InventoryEntry;
      let client: Awaited<ReturnType<ClusterRegistry["client"]>>;
      try {
        client = await clusters.client(first.cluster);
      } catch (error) {
        for (const entry of group) {
          result.failures.push({
            templateSet: entry.templateSet,
            resourceId: entry.resourceId,
            message: (error as Error).message,
            transient: true,
          });
        }
        return;
      }
      const manager = new ResourceManager(client, { tenantKey: options.tenantKey });
      const byId = new Map(group.map((entry) => [entry.resourceId, entry]));
      // Only order among what is being removed: a pruned resource may depend on one that stays.
      const nodes = group.map((e) => ({
        id: e.resourceId,
        dependsOn: e.dependsOn.filter((d) => byId.has(d)),
      }));
      for (const level of teardownLevels(nodes)) {
        const outcomes = await Promise.all(
          level.map(async (id) => {
            const entry = byId.get(id) as InventoryEntry;
            const change = await manager.remove(
              {
                apiVersion: entry.apiVersion,
                kind: entry.kind,
                namespace: entry.namespace || undefined,
                name: entry.name,
              },
              {
                deletion: entry.deletionPolicy,
                reason: options.reason,
                deadline: options.deadline,
              },
            );
            if (change.action === "failed") {
              result.failures.push({
                templateSet: entry.templateSet,
                resourceId: id,
                message: change.message,
                transient: change.transient,
              });
              return false;
            }
            if (change.wrote) result.writes++;
            result.removed.push({ templateSet: entry.templateSet, resourceId: id, cluster: entry.cluster });
            return true;
          }),
        );
        if (outcomes.includes(false)) break;
      }
    }),
  );
  return result;
}
