import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { BatchResult } from "../pipeline/sync/sync-batch.ts";
import type { SweepResult } from "../sweep/index.ts";

/** One function's CloudWatch metrics (EMF), published by logMetrics after each invocation. */
export function functionMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: "TenantSync", serviceName });
}

/** The sync function's metrics of one batch. */
export function addSyncMetrics(metrics: Metrics, result: BatchResult): void {
  metrics.addMetric("TenantsReconciled", MetricUnit.Count, result.outcomes.length);
  metrics.addMetric("MessagesReturned", MetricUnit.Count, result.failed.length);
  metrics.addMetric(
    "ObjectWrites",
    MetricUnit.Count,
    result.outcomes.reduce((sum, o) => sum + o.writes, 0),
  );
}

/** The sweep function's metrics of one run. */
export function addSweepMetrics(metrics: Metrics, result: SweepResult): void {
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
}
