import pLimit from "p-limit";
import { EXAMPLE_TENANTS_DDL, exampleTenant, insertTenants } from "../../infra/example/tenants.ts";
import { WorkloadSimulator } from "../../infra/stack/workload-simulator.ts";
import { finalizeObject } from "../../lib/engine/desired.ts";
import type { ClusterClient } from "../../lib/kube/cluster-client.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { renderTenant } from "../../lib/templates/render.ts";
import { selects } from "../../lib/templates/selector.ts";
import { engineFixture } from "../support/engine.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";
import { type Figure, requestsDelta, seconds } from "./report.ts";

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const PARALLEL_TENANTS = Number(process.env.BENCH_PARALLEL_TENANTS ?? 32);

/** The objects the example sets give a tenant, rendered and labelled exactly as the engine would. */
async function desiredObjects(
  client: ClusterClient,
  sets: readonly TemplateSet[],
  row: Record<string, unknown>,
) {
  const objects: KubeObject[] = [];
  for (const set of sets) {
    if (!selects(set, row)) continue;
    const render = renderTenant(set, row, row.id as string, client.name);
    for (const resource of render.resources) {
      if (!resource.ok) throw resource.error;
      const mapping = await client.mapping(resource.object.apiVersion, resource.object.kind);
      const desired = finalizeObject(resource.object, mapping, {
        tenantKey: row.id as string,
        templateSet: set.name,
        templateVersion: set.version,
        resourceId: resource.resourceId,
        defaultNamespace: render.defaultNamespace,
      });
      if (!desired.ok) throw new Error(desired.message);
      objects.push(desired.object);
    }
  }
  return objects;
}

/**
 * Issue 3's benchmark: the example template sets for 1,000 tenants through the engine, against the same
 * objects applied by a bare concurrent server-side-apply loop (namespaces first, no database, no readiness).
 */
export async function engineThroughput(): Promise<Figure[]> {
  const fixture = await engineFixture("postgres", "bench_engine", {
    tenantsDdl: EXAMPLE_TENANTS_DDL.postgres,
    concurrency: 8,
  });
  const simulator = new WorkloadSimulator(adminKubeConfig());
  await simulator.start();
  try {
    const sets = await fixture.loadSets(`${process.cwd()}/templates`);
    const engine = fixture.engine(sets);
    const client = await fixture.clusters.client("local");
    const run = uniqueName("b");
    const engineRows = Array.from({ length: TENANTS }, (_, i) => exampleTenant(`e${run}`, i));
    const bareRows = Array.from({ length: TENANTS }, (_, i) => exampleTenant(`s${run}`, i));
    await insertTenants(fixture.db, engineRows);

    // Baseline: the same number and shapes of objects, created by the tightest loop we can write.
    const bareObjects = (await Promise.all(bareRows.map((row) => desiredObjects(client, sets, row)))).flat();
    const namespaces = bareObjects.filter((o) => o.kind === "Namespace");
    const rest = bareObjects.filter((o) => o.kind !== "Namespace");
    const requestLimit = pLimit(PARALLEL_TENANTS * 2);
    const bareStart = performance.now();
    await Promise.all(namespaces.map((o) => requestLimit(() => client.apply(o))));
    await Promise.all(rest.map((o) => requestLimit(() => client.apply(o))));
    const bareSeconds = seconds(bareStart);

    const tenantLimit = pLimit(PARALLEL_TENANTS);
    const before = { ...client.counts };
    const engineStart = performance.now();
    const outcomes = await Promise.all(
      engineRows.map((row) => tenantLimit(() => engine.reconcile(row.id as string))),
    );
    const engineSeconds = seconds(engineStart);
    const created = requestsDelta(before, client.counts);
    const notReady = outcomes.filter((o) => o.sets.some((s) => s.phase !== "Ready")).length;

    const steadyBefore = { ...client.counts };
    const steadyStart = performance.now();
    const steady = await Promise.all(
      engineRows.map((row) => tenantLimit(() => engine.reconcile(row.id as string))),
    );
    const steadySeconds = seconds(steadyStart);
    const steadyRequests = requestsDelta(steadyBefore, client.counts);
    const steadyWrites = steady.reduce((sum, o) => sum + o.writes, 0);

    const objectsPerTenant = bareObjects.length / TENANTS;
    return [
      {
        name: "engine: tenants",
        value: TENANTS,
        unit: "tenants",
        note: `${objectsPerTenant.toFixed(1)} objects each (webapp + monitoring for paid plans)`,
      },
      {
        name: "engine: provisioning rate",
        value: TENANTS / engineSeconds,
        unit: "tenants/s",
        note: `${engineSeconds.toFixed(1)} s, ${PARALLEL_TENANTS} tenants in parallel, ${notReady} not Ready`,
      },
      {
        name: "bare SSA loop: same objects",
        value: TENANTS / bareSeconds,
        unit: "tenants/s",
        note: `${bareSeconds.toFixed(1)} s, ${bareObjects.length} objects, ${PARALLEL_TENANTS * 2} requests in flight`,
      },
      {
        name: "engine time / bare SSA time",
        value: engineSeconds / bareSeconds,
        unit: "ratio",
        note: "includes reading rows, waiting for readiness, inventory and status writes",
      },
      {
        name: "engine: API requests per tenant (create)",
        value: created.total / TENANTS,
        unit: "requests",
        note: created.text,
      },
      {
        name: "engine: API requests per tenant (no change)",
        value: steadyRequests.total / TENANTS,
        unit: "requests",
        note: `${steadyRequests.text}; ${steadySeconds.toFixed(1)} s`,
      },
      { name: "engine: writes in steady state", value: steadyWrites, unit: "writes", note: "goal: 0" },
      {
        name: "readiness",
        value: simulator.marked,
        unit: "status writes",
        note: "no kubelet: Deployments were marked ready by writing their status subresource (simulated)",
      },
    ];
  } finally {
    simulator.stop();
    await fixture.close();
  }
}
