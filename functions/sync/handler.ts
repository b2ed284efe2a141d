import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { loadRuntimeConfig, type RuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import { processBatch } from "../../lib/pipeline/sync-batch.ts";
import { createRuntime, lazyRuntime, type Runtime } from "../../lib/runtime/runtime.ts";

const log = createLog("tenant-sync-sync");

/**
 * SQS FIFO consumer: reconciles each tenant named in the batch; failures go back with ReportBatchItemFailures.
 * `env` is a parameter so the local runner and tests can build a handler with their own settings.
 */
export function createSyncHandler(
  env: NodeJS.ProcessEnv = process.env,
  // Injectable so the fault suite can wrap the cluster client (a worker killed mid-tenant).
  makeRuntime: (config: RuntimeConfig) => Promise<Runtime> = (config) => createRuntime(config, log),
) {
  const metrics = new Metrics({ namespace: "TenantSync", serviceName: "sync" });
  // Created on first invocation and kept by the warm container: pools, kubeconfig cache, discovery cache.
  const runtime = lazyRuntime(() => makeRuntime(loadRuntimeConfig(env)));
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(log))
    .use(logMetrics(metrics))
    .handler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const { engine } = await runtime();
      const result = await processBatch(
        event.Records.map((record) => ({
          messageId: record.messageId,
          body: record.body,
          groupId: record.attributes.MessageGroupId ?? record.messageId,
          receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
        })),
        (tenantKey) => engine.reconcile(tenantKey),
        log,
      );
      metrics.addMetric("TenantsReconciled", MetricUnit.Count, result.outcomes.length);
      metrics.addMetric("MessagesReturned", MetricUnit.Count, result.failed.length);
      metrics.addMetric(
        "ObjectWrites",
        MetricUnit.Count,
        result.outcomes.reduce((sum, o) => sum + o.writes, 0),
      );
      return { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) };
    });
}

export const handler = createSyncHandler();
