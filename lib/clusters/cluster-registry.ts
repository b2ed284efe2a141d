import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterClient } from "../kube/cluster-client.ts";
import type { KubeconfigStore } from "./kubeconfig-store.ts";

/**
 * One ClusterClient per cluster name, rebuilt when the store hands out a newer kubeconfig (a rotated
 * secret), so warm Lambda containers keep their discovery cache and connections between invocations.
 */
export class ClusterRegistry {
  private readonly store: KubeconfigStore;
  private readonly clients = new Map<string, { config: KubeConfig; client: ClusterClient }>();

  constructor(store: KubeconfigStore) {
    this.store = store;
  }

  async client(cluster: string): Promise<ClusterClient> {
    const config = await this.store.get(cluster);
    const cached = this.clients.get(cluster);
    if (cached && cached.config === config) return cached.client;
    const client = new ClusterClient(cluster, config);
    this.clients.set(cluster, { config, client });
    return client;
  }

  /** Requests made so far, summed over clusters (benchmarks and sweep reports). */
  totals(): ClusterClient["counts"] {
    const totals = { get: 0, list: 0, apply: 0, patch: 0, delete: 0, discovery: 0 };
    for (const { client } of this.clients.values()) {
      for (const verb of Object.keys(totals) as (keyof typeof totals)[]) totals[verb] += client.counts[verb];
    }
    return totals;
  }
}
