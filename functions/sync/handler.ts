import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createLog } from "../../lib/log.ts";
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
      const batch = await lambda.reconcileBatch(event, context, runtime.of(context).engine, log);
      lambda.addSyncMetrics(metrics, batch.result);
      return batch.response;
    });
}

export const handler = createSyncHandler();
