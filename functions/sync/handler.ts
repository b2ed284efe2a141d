import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createLog } from "../../lib/log.ts";
import { processBatch } from "../../lib/pipeline/sync/sync-batch.ts";
import * as lambda from "../../lib/runtime/lambda.ts";

const log = createLog("tenant-sync-sync");

/**
 * SQS FIFO consumer: reconciles each tenant of the batch; failures go back with ReportBatchItemFailures.
 * `makeRuntime` lets the fault suite wrap the cluster client (a worker killed mid-tenant).
 */
export function createSyncHandler(env: NodeJS.ProcessEnv = process.env, makeRuntime?: lambda.MakeRuntime) {
  const metrics = lambda.functionMetrics("sync");
  const runtime = lambda.runtimePart(() => lambda.runtimeFromEnv(env, log, makeRuntime));
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(log))
    .use(logMetrics(metrics))
    .use(runtime)
    .handler(async (event, context) => {
      const { engine } = runtime.of(context);
      const deadline = lambda.invocationDeadline(context);
      const result = await processBatch(
        lambda.queueRecordsOf(event),
        (key) => engine.reconcile(key, { deadline }),
        log,
        { deadline },
      );
      lambda.addSyncMetrics(metrics, result);
      return { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) };
    });
}

export const handler = createSyncHandler();
