import { insertTenants } from "../../infra/example/tenants.ts";
import { lambdaTimeoutMs } from "../../infra/serverless/settings.ts";
import { loadRuntimeConfig } from "../../lib/config.ts";
import { LABEL_TENANT, tenantLabelValue } from "../../lib/kube/labels.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";
import { deleteNamespaces, exampleRows, tenantNamespace } from "./fleet.ts";
import { type Figure, seconds, sleep } from "./measure.ts";
import { pipelineHarness, SYNC_INSTANCES } from "./pipeline-harness.ts";
import type { SlowReadinessRun } from "./report-model.ts";
import { ApiRequestTally } from "./request-tally.ts";

export interface SlowReadinessOptions {
  tenants: number;
  /** Each Deployment is ready this many seconds after its apply, drawn uniformly. */
  readySeconds: [number, number];
  /** A relay schedule shorter than serverless.yml's; undefined keeps serverless.yml's (never kinder). */
  relayScheduleSeconds: number | undefined;
  /** Stop waiting for Ready after this long and report how far it got. */
  timeLimitMinutes: number;
}

const COUNTED_SYNC_HANDLER = {
  module: new URL("./counted-sync-handler.ts", import.meta.url),
  factory: "createCountedSyncHandler",
};

/**
 * Provisioning while the cluster is slow (issue 14): `tenants` rows inserted through the whole pipeline
 * (trigger → outbox → relay → SQS FIFO → sync instances under serverless.yml's 60 s timeout, enforced), every
 * Deployment ready only after `readySeconds`. Tenants are rechecked through outbox rows the relay sends once
 * due, on its schedule. Runs on the shared stack without resetting it: its tenants have namespaces of their
 * own, its stand-in kubelet follows only their workloads, and their namespaces are deleted at the end.
 */
export async function slowReadiness(
  options: SlowReadinessOptions,
): Promise<{ run: SlowReadinessRun; figures: Figure[] }> {
  const run = uniqueName("r").replace("-", "");
  const rows = exampleRows(run, options.tenants);
  const keyPrefix = `${run}-`;
  const labels = rows.map((row) => tenantLabelValue(row.id as string));
  const tally = new ApiRequestTally();
  const pipeline = await pipelineHarness("bench_slow_readiness", {
    simulator: {
      readySeconds: options.readySeconds,
      labelSelector: `${LABEL_TENANT} in (${labels.join(",")})`,
    },
    syncHandler: COUNTED_SYNC_HANDLER,
    ...(options.relayScheduleSeconds ? { relayScheduleMs: options.relayScheduleSeconds * 1000 } : {}),
  });
  const { db } = pipeline;
  try {
    const progressing = new Set<string>();
    let ready = 0;
    const start = performance.now();
    await insertTenants(db, rows);
    for (let polls = 0; ready < options.tenants; polls++) {
      if (seconds(start) > options.timeLimitMinutes * 60) break;
      const { rows: phases } = await db.query<{ tenant_key: string; phase: string }>(
        "SELECT tenant_key, phase FROM tenant_sync_status WHERE tenant_key LIKE $1 AND template_set = 'webapp'",
        [`${keyPrefix}%`],
      );
      for (const row of phases) if (row.phase === "Progressing") progressing.add(row.tenant_key);
      ready = phases.filter((row) => row.phase === "Ready").length;
      if (polls % 30 === 0) {
        console.log(`  ${seconds(start).toFixed(0)} s: ${ready} Ready, ${progressing.size} seen Progressing`);
      }
      await sleep(1000);
    }
    const wall = seconds(start);
    // Both ends from the database clock: the first outbox row of a change, the last Ready status write.
    const { rows: span } = await db.query<{ s: string | number | null }>(
      `SELECT EXTRACT(EPOCH FROM (
         (SELECT max(updated_at) FROM tenant_sync_status WHERE tenant_key LIKE $1 AND template_set = 'webapp' AND phase = 'Ready')
         - (SELECT min(changed_at) FROM tenant_sync_outbox WHERE tenant_key LIKE $1 AND operation <> 'recheck'))) AS s`,
      [`${keyPrefix}%`],
    );
    const { rows: rechecks } = await db.query<{ tenant_key: string; n: string | number }>(
      "SELECT tenant_key, count(*) AS n FROM tenant_sync_outbox WHERE tenant_key LIKE $1 AND operation = 'recheck' GROUP BY tenant_key",
      [`${keyPrefix}%`],
    );
    const elapsed = ready === options.tenants ? Number(span[0]?.s ?? wall) : wall;
    const sync = pipeline.runner.invocations().sync;
    const config = loadRuntimeConfig(pipeline.env);
    const result: SlowReadinessRun = {
      tenants: options.tenants,
      ready,
      seconds: elapsed,
      tenantsPerSecond: ready / elapsed,
      rechecks: rechecks.reduce((sum, row) => sum + Number(row.n), 0),
      rechecked: rechecks.length,
      apiRequests: { ...tally.total },
      syncInvocations: sync.invocations,
      killed: {
        timeout: sync.killed.timeout,
        outOfMemory: sync.killed["out-of-memory"],
        crashed: sync.killed.crashed,
      },
      deadLettered: await pipeline.deadLettered(),
      seenProgressing: progressing.size,
      recheckedUnseen: rechecks.filter((row) => !progressing.has(row.tenant_key)).length,
      settings: {
        readySeconds: options.readySeconds,
        syncTimeoutSeconds: lambdaTimeoutMs("sync") / 1000,
        relayScheduleSeconds: pipeline.runner.relayScheduleMs / 1000,
        relayScheduleFrom: options.relayScheduleSeconds ? "--relay-schedule-seconds" : "serverless.yml",
        recheckSeconds: [config.recheck.initialSeconds, config.recheck.maxSeconds],
        syncInstances: SYNC_INSTANCES,
      },
    };
    return { run: result, figures: slowReadinessFigures(result, pipeline.simulator.marked) };
  } finally {
    await pipeline.close();
    tally.close();
    console.log(`  deleting the ${rows.length} tenants' namespaces…`);
    await deleteNamespaces(adminKubeConfig(), rows.map(tenantNamespace), 10 * 60_000);
  }
}

function slowReadinessFigures(run: SlowReadinessRun, marked: number): Figure[] {
  return [
    { name: "sync invocations", value: run.syncInvocations, unit: "invocations" },
    {
      name: "readiness",
      value: marked,
      unit: "status writes",
      note: "no kubelet: each Deployment's rollout finished by writing its status subresource after its delay (simulated)",
    },
  ];
}
