import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { loadRuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import { createRuntime, lazyRuntime } from "../../lib/runtime/runtime.ts";
import {
  parseSweepRequest,
  type Sweeper,
  type SweepResult,
  sweeperFor,
  sweepOptionsFromEnv,
} from "../../lib/sweep/index.ts";

const log = createLog("tenant-sync-sweep");

/**
 * Scheduled (serverless.yml) and manual: `{"dryRun": true}` returns the plan without acting,
 * `{"allowMassDelete": true}` lets deletions through that the safety valves held back. Settings come from
 * TENANT_SYNC_SWEEP_* (lib/sweep/options.ts).
 */
export function createSweepHandler(env: NodeJS.ProcessEnv = process.env) {
  const metrics = new Metrics({ namespace: "TenantSync", serviceName: "sweep" });
  const runtime = lazyRuntime(() => createRuntime(loadRuntimeConfig(env), log));
  // Kept by the warm container: the sweeper remembers rendered hashes between runs.
  let sweeper: Sweeper | undefined;
  return middy<unknown, SweepResult>()
    .use(injectLambdaContext(log))
    .use(logMetrics(metrics))
    .handler(async (event: unknown): Promise<SweepResult> => {
      const request = parseSweepRequest(event);
      sweeper ??= sweeperFor(await runtime());
      const result = await sweeper.run({ ...sweepOptionsFromEnv(env), ...request });
      metrics.addMetric(`Sweep${result.outcome}`, MetricUnit.Count, 1);
      for (const [name, value] of [
        ["SweepTenantsToRepair", result.counts.tenantsToRepair],
        ["SweepOrphans", result.counts.orphans],
        ["SweepRemoved", result.counts.removed + result.counts.retained],
        ["SweepDeepDrifted", result.counts.deepDrifted],
        ["SweepFailedTenants", result.counts.failedTenants],
        ["SweepRetried", result.counts.retried],
        ["SweepWrites", result.writes],
      ] as const) {
        metrics.addMetric(name, MetricUnit.Count, value);
      }
      metrics.addMetric("SweepDuration", MetricUnit.Milliseconds, result.durationMs);
      return result;
    });
}

export const handler = createSweepHandler();
