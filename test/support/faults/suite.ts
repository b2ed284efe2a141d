import path from "node:path";
import { fileURLToPath } from "node:url";
import { SQSClient } from "@aws-sdk/client-sqs";
import { KubeConfig } from "@kubernetes/client-node";
import { EXAMPLE_TENANTS_DDL } from "../../../infra/example/tenants.ts";
import { stackEnvironment } from "../../../infra/stack/stack-info.ts";
import { WorkloadSimulator } from "../../../infra/stack/workload-simulator.ts";
import { loadRuntimeConfig } from "../../../lib/config.ts";
import { openDatabase } from "../../../lib/db/database.ts";
import { migrate } from "../../../lib/db/migrate.ts";
import { createLog } from "../../../lib/log.ts";
import { installTriggers } from "../../../lib/pipeline/triggers/triggers.ts";
import { createRuntime, type Runtime } from "../../../lib/runtime/runtime.ts";
import { sweeperFor } from "../../../lib/sweep/index.ts";
import { FAULT_KINDS, type FaultKind, planFaults } from "./fault-plan.ts";
import { Prng } from "./prng.ts";
import { readDeadLetters, waitForPipelineIdle } from "./queue-state.ts";
import { redeliverStale } from "./redelivery.ts";
import { startScratchStack } from "./scratch-stack.ts";
import { holdWorkloadNotReady } from "./stuck-workload.ts";
import { SupervisedChild } from "./supervised-child.ts";
import { computeDiff, type Diff, type Mismatch, summarizeDiff } from "./verify.ts";
import { applyOp, Workload, withRetry } from "./workload.ts";

export interface FaultSuiteOptions {
  ops: number;
  tenants: number;
  seed: number;
  database: "postgres" | "mysql";
  /** Pause between ops, so the stream lasts long enough for faults to happen during it. */
  opPauseMs?: number;
  /** Leave the scratch stack's state directory (logs) after the run. */
  keepState?: boolean;
  /** How long each workload rollout takes, drawn per rollout (seconds, [min, max]); default 1–5 s. */
  workloadReadySeconds?: [number, number];
}

export interface DiffReport {
  tenants: Diff["tenants"];
  desiredObjects: number;
  liveObjects: number;
  mismatches: number;
  byKind: ReturnType<typeof summarizeDiff>;
}

export interface FaultSuiteReport {
  seed: number;
  database: string;
  ops: Record<string, number>;
  tenantKeys: number;
  faults: Record<FaultKind, number>;
  driverWriteRetries: number;
  relayStarts: number;
  workerStarts: number;
  /** Relay or worker processes that ended with an unhandled error (not a signal): always a bug. */
  crashes: { relay: number; worker: number };
  deadLetters: { messages: number; tenants: string[] };
  /** The pipeline alone, before the sweep: any mismatch of a tenant without a dead-lettered message is a lost change. */
  beforeSweep: DiffReport & { lostOutsideDeadLetters: Mismatch[] };
  sweep: { outcome: string; heldReason?: string; counts: Record<string, unknown>; writes: number };
  final: DiffReport & { examples: Mismatch[] };
  durationsMs: { ops: number; settle: number; afterSweep: number; total: number };
  stateDir: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const log = createLog("tenant-sync-faults");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The convergence-under-faults run (issue #7, part 1): a seeded random stream of inserts, updates,
 * deactivations, reactivations and deletes, with the API server and the database restarted, the worker
 * killed mid-tenant, the relay killed between send and mark, and stale messages delivered twice and out of
 * order. Then the pipeline settles, one sweep runs, and the cluster is compared with the database.
 */
export async function runFaultSuite(options: FaultSuiteOptions): Promise<FaultSuiteReport> {
  const started = Date.now();
  const opsPrng = new Prng(options.seed);
  // Faults draw from their own stream, so the op sequence of a seed is the same whatever the faults did.
  const faultPrng = new Prng(options.seed ^ 0x5eed);
  const stack = await startScratchStack({ keepState: options.keepState });
  const env = stack.functionEnv(options.database);
  // The sweep's runtime builds its AWS clients from the environment, as in Lambda: point it at this stack.
  Object.assign(process.env, stackEnvironment(stack.info), env);
  const sqs = new SQSClient({});
  const db = openDatabase(stack.databaseUrl(options.database), { poolSize: 4, onIdleError: () => {} });
  const children: SupervisedChild[] = [];
  let simulator: WorkloadSimulator | undefined;
  let runtime: Runtime | undefined;
  try {
    await migrate(db);
    await db.query(EXAMPLE_TENANTS_DDL[db.dialect]);
    await installTriggers(db, { table: "tenants", keyColumn: "id" });

    const child = (name: string, script: string) =>
      new SupervisedChild({
        name,
        script: path.join(here, script),
        env,
        logFile: path.join(stack.config.logDir, `${name}.log`),
      });
    const relay = child("relay", "relay-child.ts");
    const worker = child("worker", "worker-child.ts");
    children.push(relay, worker);
    await Promise.all([relay.start(), worker.start()]);
    // The simulator plays kubelet (writes Deployment status), so it needs admin, unlike the product.
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(stack.info.adminKubeconfigPath);
    // A slow cluster: every rollout (creation or spec change) takes a few seconds, drawn from the seed.
    const workloadReadySeconds = options.workloadReadySeconds ?? [1, 5];
    simulator = new WorkloadSimulator(kubeconfig, { readySeconds: workloadReadySeconds, seed: options.seed });
    await simulator.start();

    const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
    const plan = planFaults(faultPrng, options.ops);
    log.info("fault run starting", {
      seed: options.seed,
      database: options.database,
      ops: options.ops,
      tenants: options.tenants,
      workloadReadySeconds,
      plan,
      stateDir: stack.config.stateDir,
    });

    const workload = new Workload(opsPrng, options.tenants);
    let stackLock: Promise<void> = Promise.resolve();
    const exclusive = (task: () => Promise<void>) => {
      stackLock = stackLock.then(task, task);
      return stackLock;
    };
    const inject = async (kind: FaultKind, amount: number): Promise<void> => {
      log.info("fault", { fault: kind, amount });
      switch (kind) {
        case "apiServerRestart":
          await exclusive(async () => {
            await stack.stopApiServer();
            await sleep(amount);
            await stack.restart();
          });
          break;
        case "databaseRestart":
          await exclusive(async () => {
            await stack.stopDatabase(options.database);
            await sleep(amount);
            await stack.restart();
          });
          break;
        case "workerKilledMidTenant":
          await armAndWait(worker, "die-mid-tenant");
          break;
        case "relayDiesBetweenSendAndMark":
          await armAndWait(relay, "die-after-send");
          break;
        case "duplicateOutOfOrderDelivery":
          await redeliverStale(sqs, stack.info.queueUrl, faultPrng, [...workload.touched], amount, started);
          break;
        case "workloadNeverReady":
          log.info("workload held never-ready", {
            deployment: await holdWorkloadNotReady(kubeconfig, faultPrng, amount),
          });
          break;
      }
      faults[kind]++;
      log.info("fault done", { fault: kind });
    };

    const pending: Promise<void>[] = [];
    let driverWriteRetries = 0;
    let nextFault = 0;
    const opsStarted = Date.now();
    for (let i = 0; i < options.ops; i++) {
      const op = workload.next();
      driverWriteRetries += await withRetry(() => applyOp(db, op));
      while (plan[nextFault] !== undefined && (plan[nextFault]?.atOp ?? 0) <= i) {
        const fault = plan[nextFault++];
        if (fault) pending.push(inject(fault.kind, fault.amount));
      }
      await sleep(options.opPauseMs ?? 25);
    }
    await Promise.all(pending);
    const opsMs = Date.now() - opsStarted;
    await exclusive(() => stack.restart());

    const settleStarted = Date.now();
    const onWait = (state: string) => log.info("waiting for the pipeline", { state });
    await waitForPipelineIdle(db, sqs, stack.info.queueUrl, { timeoutMs: 600_000, onWait });
    runtime = await createRuntime(loadRuntimeConfig(env), log);
    const diffDeps = {
      db,
      source: runtime.source,
      sets: runtime.sets,
      clusters: runtime.clusters,
      cluster: stack.info.clusterName,
    };
    const before = await diffAfterDeletions(() => computeDiff(diffDeps));
    const settleMs = Date.now() - settleStarted;
    const deadLetters = await readDeadLetters(sqs, stack.info.deadLetterQueueUrl);

    const sweepStarted = Date.now();
    const sweep = await sweeperFor(runtime).run();
    log.info("sweep finished", {
      outcome: sweep.outcome,
      counts: sweep.counts,
      heldReason: sweep.heldReason,
    });
    await waitForPipelineIdle(db, sqs, stack.info.queueUrl, { timeoutMs: 600_000, onWait });
    const final = await diffAfterDeletions(() => computeDiff(diffDeps));
    const afterSweepMs = Date.now() - sweepStarted;

    const report: FaultSuiteReport = {
      seed: options.seed,
      database: options.database,
      ops: { total: options.ops, ...workload.counts },
      tenantKeys: options.tenants,
      faults,
      driverWriteRetries,
      relayStarts: relay.starts,
      workerStarts: worker.starts,
      crashes: { relay: relay.crashes, worker: worker.crashes },
      deadLetters: { messages: deadLetters.messages, tenants: [...deadLetters.tenants].sort() },
      beforeSweep: {
        ...diffReport(before),
        lostOutsideDeadLetters: before.mismatches
          .filter((m) => !deadLetters.tenants.has(m.tenant))
          .slice(0, 20),
      },
      sweep: {
        outcome: sweep.outcome,
        ...(sweep.heldReason ? { heldReason: sweep.heldReason } : {}),
        counts: { ...sweep.counts },
        writes: sweep.writes,
      },
      final: { ...diffReport(final), examples: final.mismatches.slice(0, 10) },
      durationsMs: { ops: opsMs, settle: settleMs, afterSweep: afterSweepMs, total: Date.now() - started },
      stateDir: stack.config.stateDir,
    };
    log.info("fault run finished", { ...report });
    return report;
  } finally {
    simulator?.stop();
    for (const c of children) await c.stop();
    await runtime?.close();
    await db.close();
    sqs.destroy();
    await stack.down();
  }
}

function diffReport(diff: Diff): DiffReport {
  return {
    tenants: diff.tenants,
    desiredObjects: diff.desiredObjects,
    liveObjects: diff.liveObjects,
    mismatches: diff.mismatches.length,
    byKind: summarizeDiff(diff),
  };
}

/**
 * Namespaces of deleted tenants are removed by the namespace controller after the engine asked: the diff is
 * taken once none is still terminating (or after three minutes, when they count as mismatches).
 */
async function diffAfterDeletions(compute: () => Promise<Diff>): Promise<Diff> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const diff = await compute();
    if (!diff.mismatches.some((m) => m.kind === "terminating") || Date.now() > deadline) return diff;
    await sleep(2000);
  }
}

/** Arms a self-inflicted fault and waits until it fired; a child with nothing to do is killed from outside. */
async function armAndWait(child: SupervisedChild, fault: string): Promise<void> {
  const exited = child.waitForExit();
  child.arm(fault);
  const fired = await Promise.race([exited.then(() => true), sleep(60_000).then(() => false)]);
  if (!fired) {
    log.warn("armed fault did not fire in 60 s; killing the child from outside", {
      child: child.name,
      fault,
    });
    child.kill();
    await exited;
  }
}
