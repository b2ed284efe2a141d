import { exampleTenant, insertTenants } from "../../infra/example/tenants.ts";
import { uniqueName } from "../support/stack.ts";
import { type Figure, sleep } from "./measure.ts";
import { pipelineHarness, SYNC_INSTANCES } from "./pipeline-harness.ts";
import { type LatencyResult, percentile } from "./report-model.ts";

/**
 * Commit → Ready latency through the whole local pipeline (trigger, outbox, NOTIFY, relay, SQS FIFO, sync
 * handler, server-side apply, readiness, status) for `inserts` single inserts, one at a time, measured with
 * the database's own clock on both ends. (Bulk provisioning through the pipeline is in provisioning.ts.)
 */
export async function pipelineLatency(
  inserts: number,
): Promise<{ figures: Figure[]; latency: LatencyResult }> {
  const pipeline = await pipelineHarness("bench_latency");
  const { db } = pipeline;
  const run = uniqueName("l");
  try {
    // Each insert waits for its own Ready before the next commits.
    for (let i = 0; i < inserts; i++) {
      const row = exampleTenant(`s${run}`, i);
      await insertTenants(db, [row]);
      for (;;) {
        const { rows } = await db.query(
          "SELECT 1 FROM tenant_sync_status WHERE tenant_key = $1 AND phase = 'Ready' AND template_set = 'webapp'",
          [row.id],
        );
        if (rows.length > 0) break;
        await sleep(5);
      }
    }
    // Commit time: the outbox row's timestamp (written by the trigger in the committing transaction);
    // Ready time: the last status write of the tenant. Both from the database clock.
    const { rows } = await db.query<{ ms: string | number }>(
      `SELECT EXTRACT(EPOCH FROM (max(s.updated_at) - min(o.changed_at))) * 1000 AS ms
         FROM tenant_sync_outbox o JOIN tenant_sync_status s ON s.tenant_key = o.tenant_key
        WHERE o.tenant_key LIKE $1 GROUP BY o.tenant_key`,
      [`s${run}%`],
    );
    const samplesMs = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    const latency = {
      samplesMs,
      p50: percentile(samplesMs, 50),
      p99: percentile(samplesMs, 99),
      max: samplesMs.at(-1) ?? Number.NaN,
    };
    const figures: Figure[] = [
      {
        name: "commit → Ready p50",
        value: latency.p50,
        unit: "ms",
        note: `${samplesMs.length} single inserts, one at a time, ${SYNC_INSTANCES} sync instances (aim: < 500 ms)`,
      },
      { name: "commit → Ready p99", value: latency.p99, unit: "ms", note: "aim: < 2000 ms" },
      { name: "commit → Ready max", value: latency.max, unit: "ms" },
      {
        name: "readiness",
        value: pipeline.simulator.marked,
        unit: "status writes",
        note: "no kubelet: Deployments marked ready by writing their status subresource (simulated)",
      },
    ];
    return { figures, latency };
  } finally {
    await pipeline.close();
  }
}
