import { EXAMPLE_TENANTS_DDL, insertTenants } from "../../infra/example/tenants.ts";
import { engineFixture } from "../support/engine.ts";
import { stack, uniqueName } from "../support/stack.ts";
import { engineThroughput } from "./engine-throughput.ts";
import { bareApply, desiredObjects, exampleRows, tenantNamespace } from "./fleet.ts";
import { kubectlApplyPerTenant } from "./kubectl-apply.ts";
import { type Figure, seconds, sleep } from "./measure.ts";
import { pipelineHarness, SYNC_INSTANCES } from "./pipeline-harness.ts";
import type { ProvisioningRun } from "./report-model.ts";
import { resetLocalCluster } from "./reset-cluster.ts";

export interface ProvisioningOptions {
  sizes: number[];
  /** Sizes above these are skipped for the slower methods (said so in the report). */
  engineMax: number;
  kubectlMax: number;
  bareInFlight: number;
  kubectlParallel: number;
}

/**
 * Bulk provisioning of each size from nothing, every method on the same API server in the same run, each on
 * tenants of its own (same rows and objects, other keys): the bare SSA loop, the engine alone, the whole
 * pipeline (rows inserted 200 per transaction → trigger → outbox → relay → SQS FIFO → 10 sync instances →
 * SSA → status Ready) and one `kubectl apply --server-side` per tenant. After each size the local cluster is
 * emptied (etcd wiped, control plane restarted), so the next size starts from the same cluster.
 */
export async function provisioning(
  options: ProvisioningOptions,
): Promise<{ runs: ProvisioningRun[]; figures: Figure[] }> {
  stack();
  // Whatever an earlier run left (a sweep fleet is never deleted) would load the API server during the figures.
  await resetLocalCluster();
  const runs: ProvisioningRun[] = [];
  const figures: Figure[] = [];
  for (const size of options.sizes) {
    const run = uniqueName("p").replace("-", "");
    const fixture = await engineFixture("postgres", "bench_provisioning", {
      tenantsDdl: EXAMPLE_TENANTS_DDL.postgres,
      concurrency: 8,
    });
    const namespaces: string[] = [];
    try {
      const sets = await fixture.loadSets(`${process.cwd()}/templates`);
      const client = await fixture.clusters.client(stack().clusterName);
      const rowsFor = (method: string) => {
        const rows = exampleRows(`${method}${run}`, size);
        namespaces.push(...rows.map(tenantNamespace));
        return rows;
      };
      const objectsOf = async (rows: Record<string, unknown>[]) =>
        Promise.all(rows.map((row) => desiredObjects(client, sets, row)));

      console.log(`  ${size} tenants: bare SSA loop…`);
      const bareObjects = (await objectsOf(rowsFor("a"))).flat();
      const objects = bareObjects.length;
      const bareStart = performance.now();
      await bareApply(client, bareObjects, options.bareInFlight);
      runs.push(
        measured(
          "bare SSA loop",
          size,
          objects,
          seconds(bareStart),
          `${options.bareInFlight} applies in flight; no readiness`,
        ),
      );

      if (size <= options.engineMax) {
        console.log(`  ${size} tenants: engine alone…`);
        const engine = await engineThroughput(fixture, sets, rowsFor("e"), objects);
        runs.push(engine.run);
        figures.push(...engine.figures);
      }

      console.log(`  ${size} tenants: whole pipeline…`);
      const pipeline = await pipelineHarness("bench_provisioning_pipeline");
      try {
        const rows = rowsFor("w");
        const prefix = rows[0]?.id as string;
        const start = performance.now();
        await insertTenants(pipeline.db, rows);
        const keyPrefix = prefix.slice(0, prefix.lastIndexOf("-") + 1);
        while ((await pipeline.readyCount(keyPrefix)) < size) await sleep(100);
        runs.push(
          measured(
            "whole pipeline",
            size,
            objects,
            seconds(start),
            `commit of the first row until every tenant Ready; ${SYNC_INSTANCES} sync instances × batches of 10`,
          ),
        );
      } finally {
        await pipeline.close();
      }

      if (size <= options.kubectlMax) {
        console.log(`  ${size} tenants: kubectl apply --server-side per tenant…`);
        const perTenant = await objectsOf(rowsFor("k"));
        const kubectlSeconds = await kubectlApplyPerTenant(perTenant, options.kubectlParallel);
        runs.push(
          measured(
            "kubectl per tenant",
            size,
            objects,
            kubectlSeconds,
            `one process per tenant, ${options.kubectlParallel} at a time; no readiness`,
          ),
        );
      }
    } finally {
      await fixture.close();
      console.log(`  ${size} tenants: emptying the cluster (${namespaces.length} namespaces)…`);
      const cleanupStart = performance.now();
      await resetLocalCluster();
      figures.push({
        name: `cluster reset after ${size} tenants`,
        value: seconds(cleanupStart),
        unit: "s",
        note: `${namespaces.length} namespaces dropped with etcd's data and the control plane restarted (not part of any figure)`,
      });
    }
  }
  return { runs, figures };
}

function measured(
  method: ProvisioningRun["method"],
  tenants: number,
  objects: number,
  wall: number,
  note: string,
): ProvisioningRun {
  return { method, tenants, objects, seconds: wall, tenantsPerSecond: tenants / wall, ofBare: null, note };
}
