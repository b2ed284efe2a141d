import { BroadcastChannel } from "node:worker_threads";
import type { RequestCounts } from "../../lib/kube/cluster-client.ts";

/** The channel the sync instances (worker threads) report their Kubernetes API requests on. */
export const API_REQUESTS_CHANNEL = "tenant-sync-bench-api-requests";

const VERBS: readonly (keyof RequestCounts)[] = ["get", "list", "apply", "patch", "delete", "discovery"];

export const noRequests = (): RequestCounts => ({
  get: 0,
  list: 0,
  apply: 0,
  patch: 0,
  delete: 0,
  discovery: 0,
});

/**
 * The requests made since the last call, over every cluster client an instance has used: a client rebuilt
 * for a rotated kubeconfig starts again from zero, so each client's own counts are followed, not the sum.
 */
export class RequestDeltas<Client extends { counts: RequestCounts }> {
  private readonly reported = new Map<Client, RequestCounts>();

  take(clients: Iterable<Client>): RequestCounts {
    const delta = noRequests();
    for (const client of clients) {
      const before = this.reported.get(client) ?? noRequests();
      for (const verb of VERBS) delta[verb] += client.counts[verb] - before[verb];
      this.reported.set(client, { ...client.counts });
    }
    return delta;
  }
}

/** Adds `delta` into `total`. */
export function addRequests(total: RequestCounts, delta: RequestCounts): void {
  for (const verb of VERBS) total[verb] += delta[verb] ?? 0;
}

/**
 * The main thread's sum of what the sync instances report after each invocation. A killed invocation
 * reports nothing: its requests are missing from the sum (the report gives the kills beside it).
 */
export class ApiRequestTally {
  readonly total = noRequests();
  private readonly channel = new BroadcastChannel(API_REQUESTS_CHANNEL);

  constructor() {
    this.channel.onmessage = (message) => addRequests(this.total, (message as { data: RequestCounts }).data);
    this.channel.unref();
  }

  close(): void {
    this.channel.close();
  }
}
