/**
 * The sync function as its own process: the FIFO queue long-polled into Lambda-shaped batches by concurrent
 * "instances" (infra/dev/sqs-poller.ts) and handed to the real handler. One fault it can inject into itself:
 * armed with "die-mid-tenant", it SIGKILLs itself right after an apply that leaves a tenant's dependency
 * graph half done: after the Namespace (nothing inside it yet) or after a tenant's second apply.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { createSyncHandler } from "../../../functions/sync/handler.ts";
import { lambdaContext } from "../../../infra/dev/lambda-context.ts";
import { SqsPoller } from "../../../infra/dev/sqs-poller.ts";
import { lambdaTimeoutMs } from "../../../infra/serverless/settings.ts";
import type { RuntimeConfig } from "../../../lib/config.ts";
import type { ClusterClient } from "../../../lib/kube/cluster-client.ts";
import { ANNOTATION_TENANT_KEY } from "../../../lib/kube/labels.ts";
import { createLog } from "../../../lib/log.ts";
import { createRuntime, type Runtime } from "../../../lib/runtime/runtime.ts";
import { ArmedFaults, dieNow } from "./self-kill.ts";

const log = createLog("tenant-sync-fault-worker");
const faults = new ArmedFaults();
const appliesByTenant = new Map<string, number>();

/** Observes a cluster client's applies; the only change is the armed self-kill. */
function observe(client: ClusterClient): void {
  const apply = client.apply.bind(client);
  client.apply = async (object, options = {}) => {
    const result = await apply(object, options);
    if (!options.dryRun && faults.isArmed("die-mid-tenant")) {
      const tenant = object.metadata.annotations?.[ANNOTATION_TENANT_KEY] ?? "?";
      const applies = (appliesByTenant.get(tenant) ?? 0) + 1;
      appliesByTenant.set(tenant, applies);
      if (object.kind === "Namespace" || applies >= 2) {
        dieNow("worker killed in the middle of a tenant's dependency graph", {
          tenant,
          applied: `${object.kind}/${object.metadata.name}`,
          appliesOfTenant: applies,
        });
      }
    }
    return result;
  };
}

async function makeRuntime(config: RuntimeConfig): Promise<Runtime> {
  const runtime = await createRuntime(config, log);
  const clientFor = runtime.clusters.client.bind(runtime.clusters);
  const observed = new WeakSet<ClusterClient>();
  // The engine holds this registry: replacing the method on the instance reaches every apply it makes.
  runtime.clusters.client = async (cluster) => {
    const client = await clientFor(cluster);
    if (!observed.has(client)) {
      observe(client);
      observed.add(client);
    }
    return client;
  };
  return runtime;
}

const env = process.env;
const syncHandler = createSyncHandler(env, makeRuntime);
const poller = new SqsPoller({
  sqs: new SQSClient({}),
  queueUrl: env.TENANT_SYNC_QUEUE_URL as string,
  // serverless.yml's timeout as the remaining time; not enforced here, where a SIGKILL is itself the fault.
  handler: (event) => syncHandler(event, lambdaContext("sync", lambdaTimeoutMs("sync"))),
  onError: (error) => log.warn("sync poll failed", { error: error.message }),
});
await poller.start(Number(env.FAULT_WORKER_CONCURRENCY ?? 8));
process.once("SIGTERM", () => {
  void poller.stop().finally(() => process.exit(0));
});
process.send?.("ready");
