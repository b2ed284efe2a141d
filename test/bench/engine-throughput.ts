import pLimit from "p-limit";
import { insertTenants } from "../../infra/example/tenants.ts";
import { WorkloadSimulator } from "../../infra/stack/workload-simulator.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import type { EngineFixture } from "../support/engine.ts";
import { adminKubeConfig } from "../support/stack.ts";
import { type Figure, requestsDelta, seconds } from "./measure.ts";
import type { ProvisioningRun } from "./report-model.ts";

export const ENGINE_PARALLEL_TENANTS = 32;

/**
 * The engine alone (no trigger, queue or handler): `rows` reconciled from nothing, ENGINE_PARALLEL_TENANTS
 * at a time, until Ready; then the same tenants again with nothing to change (goal: zero writes).
 */
export async function engineThroughput(
  fixture: EngineFixture,
  sets: readonly TemplateSet[],
  rows: readonly Record<string, unknown>[],
  objects: number,
): Promise<{ run: ProvisioningRun; figures: Figure[] }> {
  const engine = fixture.engine(sets);
  const client = await fixture.clusters.client("local");
  await insertTenants(fixture.db, rows);
  const tenantLimit = pLimit(ENGINE_PARALLEL_TENANTS);
  const reconcileAll = () =>
    Promise.all(rows.map((row) => tenantLimit(() => engine.reconcile(row.id as string))));

  // No kubelet: Deployments are made ready by writing their status, as in the pipeline.
  const simulator = new WorkloadSimulator(adminKubeConfig());
  await simulator.start();
  const before = { ...client.counts };
  const start = performance.now();
  const outcomes = await reconcileAll().finally(() => simulator.stop());
  const engineSeconds = seconds(start);
  const created = requestsDelta(before, client.counts);
  const notReady = outcomes.filter((o) => o.sets.some((s) => s.phase !== "Ready")).length;

  const steadyBefore = { ...client.counts };
  const steadyStart = performance.now();
  const steady = await reconcileAll();
  const steadySeconds = seconds(steadyStart);
  const steadyRequests = requestsDelta(steadyBefore, client.counts);
  const steadyWrites = steady.reduce((sum, o) => sum + o.writes, 0);

  const tenants = rows.length;
  return {
    run: {
      method: "engine alone",
      tenants,
      objects,
      seconds: engineSeconds,
      tenantsPerSecond: tenants / engineSeconds,
      ofBare: null,
      note: `${ENGINE_PARALLEL_TENANTS} tenants in parallel, until Ready; ${notReady} not Ready`,
    },
    figures: [
      {
        name: `engine, ${tenants} tenants: API requests per tenant (create)`,
        value: created.total / tenants,
        unit: "requests",
        note: created.text,
      },
      {
        name: `engine, ${tenants} tenants: API requests per tenant (no change)`,
        value: steadyRequests.total / tenants,
        unit: "requests",
        note: `${steadyRequests.text}; ${steadySeconds.toFixed(1)} s`,
      },
      {
        name: `engine, ${tenants} tenants: writes in steady state`,
        value: steadyWrites,
        unit: "writes",
        note: "goal: 0",
      },
    ],
  };
}
