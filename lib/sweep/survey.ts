import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { readInventoryForCluster } from "../db/inventory-store.ts";
import type { Queryable } from "../db/queryable.ts";
import { TenantSyncError } from "../errors.ts";
import type { ClusterClient } from "../kube/cluster-client.ts";
import { tenantLabelValue } from "../kube/labels.ts";
import type { KubeObject } from "../kube/object-ref.ts";
import type { TemplateSet } from "../templates/model.ts";
import type { DesiredIndex } from "./desired-index.ts";
import { inventoryKinds } from "./inventory-kinds.ts";
import { listLive } from "./live-list.ts";
import { ClusterComparison, type Plan } from "./plan.ts";
import type { SweepCounts } from "./result.ts";
import type { SweepScope } from "./scope.ts";

export interface SurveyInput {
  db: Queryable;
  clusters: ClusterRegistry;
  desired: DesiredIndex;
  sets: readonly TemplateSet[];
  /** The run's label selector: the listing, the desired objects and the inventory are judged by it. */
  scope: SweepScope | undefined;
  plan: Plan;
  counts: SweepCounts;
  /** Clusters that could not be swept are added here; nothing of theirs is repaired or deleted. */
  errors: string[];
}

export interface Survey {
  /** The clients of the clusters that were swept. */
  clients: Map<string, ClusterClient>;
  /** Whole live objects of the deep-check tenants, by object key. */
  full: Map<string, KubeObject>;
}

/**
 * Compares every cluster that the templates or the inventory touch: the kinds the templates render there
 * plus the kinds its inventory holds, each listed once. Per cluster the inventory streams in first, then the
 * live objects; the comparison adds what it finds to the plan. A cluster that fails is left out whole.
 */
export async function surveyClusters(input: SurveyInput): Promise<Survey> {
  const { db, clusters, desired, sets, scope, plan, counts, errors } = input;
  const recorded = await inventoryKinds(db);
  const names = new Set([...desired.kinds.keys(), ...recorded.keys()]);
  const deepLabels = [...new Set([...desired.deepRows.keys()].map(tenantLabelValue))];
  const survey: Survey = { clients: new Map(), full: new Map() };
  for (const cluster of names) {
    if (desired.clusterErrors.has(cluster)) continue;
    try {
      const client = await clusters.client(cluster);
      const kinds = new Map([...(recorded.get(cluster) ?? []), ...(desired.kinds.get(cluster) ?? [])]);
      const comparison = new ClusterComparison({ cluster, desired, sets, scope }, plan, counts);
      for await (const page of readInventoryForCluster(db, cluster, { pageSize: 2000 })) {
        for (const entry of page) comparison.addInventory(entry);
      }
      const full = await listLive(
        client,
        kinds.values(),
        (apiVersion, kind, meta) => comparison.addLive(apiVersion, kind, meta),
        { labelSelector: scope?.text, fullFor: deepLabels },
      );
      // The API server refuses what the sweep cannot read (one grammar), so this only guards a difference.
      if (scope?.unreadable !== undefined) throw new TenantSyncError(scope.unreadable);
      comparison.finish();
      survey.clients.set(cluster, client);
      for (const [key, object] of full) survey.full.set(key, object);
    } catch (error) {
      errors.push(`cluster ${cluster} not swept: ${(error as Error).message}`);
    }
  }
  return survey;
}
