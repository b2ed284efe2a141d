import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterClient } from "../kube/cluster-client.ts";
import type { Log } from "../log.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import type { KubeconfigStore } from "./kubeconfig-store.ts";

export interface ClusterRegistryOptions {
  /** How long a cluster that did not answer fails at once for its tenants (circuit-breaker.ts; default 30 s). */
  coolDownMs?: number;
  /** Bound of one discovery request (default DISCOVERY_TIMEOUT_MS). */
  discoveryTimeoutMs?: number;
  now?: () => number;
  log?: Log;
}

/**
 * One ClusterClient per cluster name, rebuilt when the store hands out a newer kubeconfig (a rotated
 * secret), so warm Lambda containers keep their discovery cache and connections between invocations; and one
 * circuit breaker per cluster name, kept across rebuilds, so a cluster that does not answer costs its tenants
 * one bounded attempt per cool-down instead of a timeout each.
 */
export class ClusterRegistry {
  private readonly store: KubeconfigStore;
  private readonly options: ClusterRegistryOptions;
  private readonly clients = new Map<string, { config: KubeConfig; client: ClusterClient }>();
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(store: KubeconfigStore, options: ClusterRegistryOptions = {}) {
    this.store = store;
    this.options = options;
  }

  /** The cluster's client; throws ClusterUnavailableError at once while the cluster's breaker is open. */
  async client(cluster: string): Promise<ClusterClient> {
    const breaker = this.breaker(cluster);
    breaker.check();
    const config = await this.store.get(cluster);
    const cached = this.clients.get(cluster);
    if (cached && cached.config === config) return cached.client;
    const { discoveryTimeoutMs } = this.options;
    const client = new ClusterClient(cluster, config, {
      guard: breaker,
      ...(discoveryTimeoutMs === undefined ? {} : { discoveryTimeoutMs }),
    });
    this.clients.set(cluster, { config, client });
    return client;
  }

  private breaker(cluster: string): CircuitBreaker {
    let breaker = this.breakers.get(cluster);
    if (!breaker) {
      const { coolDownMs, now, log } = this.options;
      breaker = new CircuitBreaker(cluster, {
        ...(coolDownMs === undefined ? {} : { coolDownMs }),
        ...(now === undefined ? {} : { now }),
        ...(log === undefined ? {} : { log }),
      });
      this.breakers.set(cluster, breaker);
    }
    return breaker;
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
