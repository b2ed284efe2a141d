import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createLog } from "../../lib/log.ts";
import { processBatch } from "../../lib/pipeline/sync-batch.ts";
import { createRuntime, lazyRuntime } from "../../lib/runtime/runtime.ts";

const log = createLog("tenant-sync-sync");
const metrics = new Metrics({ namespace: "TenantSync", serviceName: "sync" });
const runtime = lazyRuntime(() => createRuntime(undefined, log));

/** SQS FIFO consumer: reconciles each tenant named in the batch; failures go back with ReportBatchItemFailures. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
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
