/**
 * The real sync handler, built in each LocalRunner instance like the deployed one (runner option
 * `syncHandler`), that also reports after every invocation how many Kubernetes API requests it made, on
 * API_REQUESTS_CHANNEL: the requests happen in worker threads, the benchmark adds them up in the main one.
 */
import { BroadcastChannel } from "node:worker_threads";
import type { Context, SQSEvent } from "aws-lambda";
import { createSyncHandler } from "../../functions/sync/handler.ts";
import type { ClusterClient } from "../../lib/kube/cluster-client.ts";
import { createLog } from "../../lib/log.ts";
import { createRuntime, type Runtime } from "../../lib/runtime/lambda.ts";
import { API_REQUESTS_CHANNEL, RequestDeltas } from "./request-tally.ts";

export function createCountedSyncHandler(env: NodeJS.ProcessEnv) {
  const used = new Set<ClusterClient>();
  const deltas = new RequestDeltas<ClusterClient>();
  const channel = new BroadcastChannel(API_REQUESTS_CHANNEL);
  channel.unref();
  const handler = createSyncHandler(env, async (config): Promise<Runtime> => {
    const runtime = await createRuntime(config, createLog("tenant-sync-sync"));
    const clientOf = runtime.clusters.client.bind(runtime.clusters);
    // The engine holds this registry: every client it asks for passes here.
    runtime.clusters.client = async (cluster) => {
      const client = await clientOf(cluster);
      used.add(client);
      return client;
    };
    return runtime;
  });
  return async (event: SQSEvent, context: Context) => {
    try {
      return await handler(event, context);
    } finally {
      channel.postMessage(deltas.take(used));
    }
  };
}
