import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { EXAMPLE_TENANTS_DDL, insertTenants } from "../../infra/example/tenants.ts";
import { lambdaHeapFlags, lambdaMemoryMb } from "../../infra/serverless/settings.ts";
import { WorkloadSimulator } from "../../infra/stack/workload-simulator.ts";
import { openDatabase } from "../../lib/db/database.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { installTriggers } from "../../lib/pipeline/triggers/triggers.ts";
import { createScratchDatabase } from "../support/databases.ts";
import { adminKubeConfig, stack, uniqueName } from "../support/stack.ts";
import { deleteNamespaces, exampleRows, tenantNamespace } from "./fleet.ts";
import { bundleLikeLambda } from "./function-bundle.ts";
import type { FunctionWorkload } from "./function-child.ts";
import type { Figure } from "./measure.ts";
import { benchFunctionEnv } from "./pipeline-harness.ts";
import type { MemoryRun } from "./report-model.ts";

const MiB = 1024 * 1024;

interface ChildResult {
  fn: string;
  invocations: number;
  failures: number;
  startupMaxRss: number;
  maxRss: number;
}

async function inChild(
  env: NodeJS.ProcessEnv,
  workload: FunctionWorkload,
  memoryMb: number,
): Promise<ChildResult> {
  const bundle = await bundleLikeLambda("function-child.ts", workload.fn);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...lambdaHeapFlags(memoryMb), bundle, JSON.stringify(workload)],
    { env: { ...process.env, ...env }, maxBuffer: 64 * MiB },
  );
  const line = stdout.split("\n").find((l) => l.startsWith("{") && l.includes('"maxRss"'));
  if (!line) throw new Error(`the ${workload.fn} child printed no result`);
  return JSON.parse(line) as ChildResult;
}

/** One function's peak RSS on its workload, in a process with the heap flags of its Lambda memory. */
async function measure(
  env: NodeJS.ProcessEnv,
  workload: FunctionWorkload,
  description: string,
): Promise<{ run: MemoryRun; figure: Figure }> {
  const memoryMb = lambdaMemoryMb(workload.fn);
  console.log(`  ${workload.fn}: ${description}, heap of a ${memoryMb} MB Lambda…`);
  const name = `${workload.fn}: peak RSS`;
  try {
    const result = await inChild(env, workload, memoryMb);
    const peakMiB = result.maxRss / MiB;
    const fits = peakMiB <= memoryMb ? `within its ${memoryMb} MB` : `OVER its ${memoryMb} MB`;
    const how = `${description}; heap flags of a ${memoryMb} MB Lambda, ${fits}`;
    return {
      run: { fn: workload.fn, maxRssMiB: peakMiB, workload: how },
      figure: {
        name,
        value: peakMiB,
        unit: "MiB",
        note: `${how}; ${(result.startupMaxRss / MiB).toFixed(0)} MiB after start-up; ${result.invocations} invocations, ${result.failures} failed`,
      },
    };
  } catch (error) {
    // A function that dies in its memory (V8's "Reached heap limit") is a finding, not a failed run.
    const { stderr, message } = error as Error & { stderr?: string };
    const reason = (stderr || message).trim().split("\n").filter(Boolean).slice(-3).join(" / ");
    const how = `${description}; heap flags of a ${memoryMb} MB Lambda; CRASHED: ${reason.slice(0, 300)}`;
    return {
      run: { fn: workload.fn, maxRssMiB: Number.NaN, workload: how },
      figure: { name, value: Number.NaN, unit: "MiB", note: how },
    };
  }
}

/**
 * Peak RSS of each function (the sweep's comes from the sweep benchmark), each handler in a fresh process
 * on a representative workload over a table of `tenants` rows: the relay draining their `tenants` outbox
 * rows to a FIFO queue, the webhook receiving `syncTenants` signed deliveries, sync reconciling
 * `syncTenants` tenants from nothing in batches of 10, resync of all, and a rollout step. Each process gets
 * the heap flags Lambda gives a container of the function's memorySize in serverless.yml, and runs the
 * function's esbuild bundle, as Lambda does.
 */
export async function functionMemory(
  tenants: number,
  syncTenants: number,
): Promise<{ runs: MemoryRun[]; figures: Figure[] }> {
  const info = stack();
  const sqs = new SQSClient({});
  const scratch = await createScratchDatabase("postgres", "bench_memory");
  const db = openDatabase(scratch.url, { poolSize: 4 });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `${uniqueName("mem")}.fifo`, Attributes: { FifoQueue: "true" } }),
  );
  const simulator = new WorkloadSimulator(adminKubeConfig());
  const rows = exampleRows(uniqueName("m").replace("-", ""), tenants);
  const synced = rows.slice(0, syncTenants);
  try {
    await migrate(db);
    await db.query(EXAMPLE_TENANTS_DDL.postgres);
    await installTriggers(db, { table: "tenants", keyColumn: "id" });
    await insertTenants(db, rows);
    await simulator.start();
    const env = {
      ...benchFunctionEnv(info, scratch.url, QueueUrl as string),
      TENANT_SYNC_WEBHOOK_SECRETS: "bench-secret",
      TENANT_SYNC_LOG_LEVEL: "WARN",
    };
    const keys = (list: Record<string, unknown>[]) => list.map((row) => row.id as string);
    const workloads: [FunctionWorkload, string][] = [
      [{ fn: "relay", events: [{}, {}] }, `${tenants} outbox rows sent to the FIFO queue`],
      [
        { fn: "webhook", tenants: keys(synced), webhookSecret: "bench-secret" },
        `${synced.length} signed deliveries, one message each`,
      ],
      [
        { fn: "sync", tenants: keys(synced) },
        `${synced.length} tenants from nothing, ${Math.ceil(synced.length / 10)} batches of 10`,
      ],
      [{ fn: "resync", events: [{ all: true }] }, `{"all": true}: ${tenants} tenants enqueued`],
      [{ fn: "rollout", events: [{ action: "step" }] }, `the scheduled step over ${tenants} tenants`],
    ];
    const runs: MemoryRun[] = [];
    const figures: Figure[] = [];
    for (const [workload, description] of workloads) {
      const { run, figure } = await measure(env, workload, description);
      runs.push(run);
      figures.push(figure);
    }
    return { runs, figures };
  } finally {
    simulator.stop();
    await db.close();
    await scratch.drop();
    await sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => {});
    sqs.destroy();
    await deleteNamespaces(adminKubeConfig(), synced.map(tenantNamespace));
  }
}
