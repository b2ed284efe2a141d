import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { createLog } from "../../lib/log.ts";
import * as lambda from "../../lib/runtime/lambda.ts";
import * as sweep from "../../lib/sweep/index.ts";

const log = createLog("tenant-sync-sweep");

/** Scheduled, or by hand with `{"dryRun": true}` / `{"allowMassDelete": true}`; TENANT_SYNC_SWEEP_* settings. */
export function createSweepHandler(env: NodeJS.ProcessEnv = process.env) {
  const metrics = lambda.functionMetrics("sweep");
  // The sweeper remembers rendered hashes between runs of a warm container.
  const sweeper = lambda.runtimePart(async () => sweep.sweeperFor(await lambda.runtimeFromEnv(env, log)));
  return middy<unknown, sweep.SweepResult>()
    .use(lambda.requestParser(sweep.sweepEventSchema, sweep.parseSweepRequest))
    .use(injectLambdaContext(log))
    .use(logMetrics(metrics))
    .use(sweeper)
    .handler(async (request, context) => {
      const options = { ...sweep.sweepOptionsFromEnv(env), ...request };
      const result = await sweeper.of(context).run(options, { deadline: lambda.invocationDeadline(context) });
      lambda.addSweepMetrics(metrics, result);
      return result;
    });
}

export const handler = createSweepHandler();
