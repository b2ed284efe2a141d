import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import pLimit from "p-limit";
import { LocalRunner } from "../../infra/dev/runner.ts";
import { EXAMPLE_TENANTS_DDL, exampleTenant, insertTenants } from "../../infra/example/tenants.ts";
import { WorkloadSimulator } from "../../infra/stack/workload-simulator.ts";
import { openDatabase } from "../../lib/db/database.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { createLog } from "../../lib/log.ts";
import { installTriggers } from "../../lib/pipeline/triggers.ts";
import { createScratchDatabase } from "../support/databases.ts";
import { engineFixture } from "../support/engine.ts";
import { adminKubeConfig, stack, uniqueName } from "../support/stack.ts";
import { type Figure, seconds } from "./report.ts";

const SINGLE_INSERTS = Number(process.env.BENCH_LATENCY_INSERTS ?? 200);
const BURST = Number(process.env.BENCH_BURST_TENANTS ?? 1000);
const SYNC_CONCURRENCY = 8;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue 4's benchmark: commit → Ready latency through the whole local pipeline (trigger, outbox, NOTIFY,
 * relay, SQS FIFO, sync handler, server-side apply, readiness, status), measured with the database's own
 * clock on both ends; then a burst of inserts, against the engine alone on the same number of tenants.
 */
export async function pipelineLatency(): Promise<Figure[]> {
  const info = stack();
  const sqs = new SQSClient({});
  const scratch = await createScratchDatabase("postgres", "bench_pipeline");
  const db = openDatabase(scratch.url, { poolSize: 4 });
  await migrate(db);
  await db.query(EXAMPLE_TENANTS_DDL.postgres);
  await installTriggers(db, { table: "tenants", keyColumn: "id" });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${uniqueName("bench")}.fifo`, Attributes: { FifoQueue: "true" } }),
  );
  const runner = new LocalRunner({
    log: createLog("tenant-sync-bench"),
    syncConcurrency: SYNC_CONCURRENCY,
    env: {
      ...process.env,
      TENANT_SYNC_DATABASE_URL: scratch.url,
      TENANT_SYNC_ACTIVE_COLUMN: "active",
      TENANT_SYNC_CLUSTER_COLUMN: "cluster",
      TENANT_SYNC_DEFAULT_CLUSTER: info.clusterName,
      TENANT_SYNC_QUEUE_URL: QueueUrl,
      TENANT_SYNC_SECRET_PREFIX: info.secretPrefix,
      TENANT_SYNC_TEMPLATES_DIR: `${process.cwd()}/templates`,
      TENANT_SYNC_DB_POOL_SIZE: "16",
    },
  });
  const simulator = new WorkloadSimulator(adminKubeConfig());
  await simulator.start();
  await runner.start();
  const run = uniqueName("l");
  const readyCount = async (prefix: string) => {
    const { rows } = await db.query<{ n: string | number }>(
      "SELECT count(DISTINCT tenant_key) AS n FROM tenant_sync_status WHERE tenant_key LIKE $1 AND phase = 'Ready' AND template_set = 'webapp'",
      [`${prefix}%`],
    );
    return Number(rows[0]?.n ?? 0);
  };
  try {
    // Single inserts, one at a time: each waits for its own Ready before the next commits.
    for (let i = 0; i < SINGLE_INSERTS; i++) {
      await insertTenants(db, [exampleTenant(`s${run}`, i)]);
      const key = exampleTenant(`s${run}`, i).id;
      for (;;) {
        const { rows } = await db.query(
          "SELECT 1 FROM tenant_sync_status WHERE tenant_key = $1 AND phase = 'Ready' AND template_set = 'webapp'",
          [key],
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
    const latencies = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);

    // Burst: all rows committed at once (200 per transaction), until every tenant is Ready.
    const burstRows = Array.from({ length: BURST }, (_, i) => exampleTenant(`b${run}`, i));
    const burstStart = performance.now();
    await insertTenants(db, burstRows);
    while ((await readyCount(`b${run}`)) < BURST) await sleep(100);
    const burstSeconds = seconds(burstStart);

    // The engine alone on the same number of tenants, as parallel as the pipeline's consumers.
    const engineOnly = await engineFixture("postgres", "bench_pipeline_engine", {
      tenantsDdl: EXAMPLE_TENANTS_DDL.postgres,
    });
    let engineSeconds: number;
    try {
      const sets = await engineOnly.loadSets(`${process.cwd()}/templates`);
      const engine = engineOnly.engine(sets);
      const engineRows = Array.from({ length: BURST }, (_, i) => exampleTenant(`g${run}`, i));
      await insertTenants(engineOnly.db, engineRows);
      const limit = pLimit(SYNC_CONCURRENCY * 10);
      const engineStart = performance.now();
      await Promise.all(engineRows.map((row) => limit(() => engine.reconcile(row.id as string))));
      engineSeconds = seconds(engineStart);
    } finally {
      await engineOnly.close();
    }

    return [
      {
        name: "commit → Ready p50",
        value: percentile(latencies, 50),
        unit: "ms",
        note: `${latencies.length} single inserts, one at a time (aim: < 500 ms)`,
      },
      { name: "commit → Ready p99", value: percentile(latencies, 99), unit: "ms", note: "aim: < 2000 ms" },
      { name: "commit → Ready max", value: latencies.at(-1) ?? Number.NaN, unit: "ms" },
      {
        name: `burst of ${BURST} inserts until all Ready`,
        value: burstSeconds,
        unit: "s",
        note: `${(BURST / burstSeconds).toFixed(1)} tenants/s through the pipeline, ${SYNC_CONCURRENCY} sync instances`,
      },
      {
        name: `engine alone, same ${BURST} tenants`,
        value: engineSeconds,
        unit: "s",
        note: `${SYNC_CONCURRENCY * 10} tenants in parallel`,
      },
      { name: "pipeline burst / engine alone", value: burstSeconds / engineSeconds, unit: "ratio" },
      {
        name: "readiness",
        value: simulator.marked,
        unit: "status writes",
        note: "no kubelet: Deployments marked ready by writing their status subresource (simulated)",
      },
    ];
  } finally {
    await runner.stop();
    simulator.stop();
    await db.close();
    await scratch.drop();
    await sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => {});
    sqs.destroy();
  }
}
