import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import pLimit from "p-limit";
import { EXAMPLE_TENANTS_DDL, exampleTenant, insertTenants } from "../../infra/example/tenants.ts";
import { WorkloadSimulator } from "../../infra/stack/workload-simulator.ts";
import { type AppliedEntry, recordApplied } from "../../lib/db/inventory-store.ts";
import type { ClusterClient } from "../../lib/kube/cluster-client.ts";
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_TENANT_KEY,
  LABEL_TEMPLATE_SET,
  managedSelector,
} from "../../lib/kube/labels.ts";
import { applyObject } from "../../lib/kube/manager/apply.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";
import type { SweepResult } from "../../lib/sweep/result.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { engineFixture } from "../support/engine.ts";
import { adminKubeConfig, stack, uniqueName } from "../support/stack.ts";
import { desiredResources } from "./fleet.ts";
import { bundleLikeLambda } from "./function-bundle.ts";
import { type Figure, seconds } from "./measure.ts";
import type { MemoryRun } from "./report-model.ts";

const IN_FLIGHT = Number(process.env.BENCH_SWEEP_IN_FLIGHT ?? 64);
/** Keep the fleet, its database and templates afterwards (they are removed by default). */
const KEEP = process.env.BENCH_SWEEP_KEEP === "1";
const MiB = 1024 * 1024;
/** Old-generation cap for the capped run: what fits a 512 MB function next to Node's ~180 MB start-up. */
const HEAP_CAP_MB = 256;

type ChildRun = Omit<SweepResult, "plan"> & {
  baselineRss: number;
  rssPeak: number;
  maxRss: number;
  heapUsed: number;
};

/**
 * Copies the example sets under names of their own, so this run's sweep can be scoped to its objects with a
 * label selector: the stack's cluster is shared with tests and other benchmarks, whose objects must never
 * look like this fleet's orphans. The objects are otherwise exactly the example sets' objects.
 */
function scopedSets(run: string): { dir: string; names: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-sync-sweep-bench-"));
  const names: string[] = [];
  for (const set of ["webapp", "monitoring"]) {
    // A set's name is its folder's name.
    const name = `${set}-${run}`;
    fs.cpSync(path.join(process.cwd(), "templates", set), path.join(dir, name), { recursive: true });
    const manifest = path.join(dir, name, "templateset.yaml");
    fs.writeFileSync(manifest, fs.readFileSync(manifest, "utf8").replace(/^name: .*$/m, `name: ${name}`));
    names.push(name);
  }
  return { dir, names };
}

/** Each tenant's objects exactly as the engine would apply them, with the inventory entries it would record. */
async function desired(client: ClusterClient, sets: readonly TemplateSet[], row: Record<string, unknown>) {
  const resources = await desiredResources(client, sets, row);
  const objects = resources.map(({ object, resource }) => ({ object, policy: resource }));
  const entries: AppliedEntry[] = resources.map(({ set, resource, object, hash }) => ({
    cluster: client.name,
    tenantKey: row.id as string,
    templateSet: set.name,
    resourceId: resource.id,
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name,
    contentHash: hash,
    deletionPolicy: resource.deletion,
    dependsOn: [...resource.dependsOn],
  }));
  return { objects, entries };
}

/**
 * Creates the fleet the fast way: a bare concurrent server-side-apply loop (namespaces first) plus the
 * inventory rows the engine would have written. Services are first made headless by a separate field
 * manager: a headless Service needs no cluster IP, so the fleet does not depend on the size of the local API
 * server's service range, and the applied object and its hash are exactly the engine's.
 */
async function createFleet(
  client: ClusterClient,
  sets: readonly TemplateSet[],
  rows: readonly Record<string, unknown>[],
  fixture: Awaited<ReturnType<typeof engineFixture>>,
  apps: AppsV1Api,
): Promise<number> {
  const limit = pLimit(IN_FLIGHT);
  let objects = 0;
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = await Promise.all(rows.slice(start, start + 500).map((row) => desired(client, sets, row)));
    const all = chunk.flatMap((c) => c.objects);
    objects += all.length;
    const namespaces = all.filter((o) => o.object.kind === "Namespace");
    await Promise.all(namespaces.map((o) => limit(() => client.apply(o.object))));
    await Promise.all(
      all
        .filter((o) => o.object.kind === "Service")
        .map(({ object }) =>
          limit(() =>
            client.apply(
              {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: object.metadata.name, namespace: object.metadata.namespace as string },
                // With its selector: a headless Service without one defaults to dual-stack.
                spec: { clusterIP: "None", selector: (object.spec as { selector?: object }).selector },
              },
              { fieldManager: "bench-headless" },
            ),
          ),
        ),
    );
    await Promise.all(
      all
        .filter((o) => o.object.kind !== "Namespace")
        .map(({ object, policy }) =>
          limit(async () => {
            // Resources with ignoreFields are created as the engine creates them (the ignored fields
            // seeded by a second field manager); the rest by one bare apply.
            if (policy.ignoreFields.length === 0) return void (await client.apply(object));
            const outcome = await applyObject(client, object, policy, {
              tenantKey: object.metadata.annotations?.[ANNOTATION_TENANT_KEY] as string,
              templateSet: object.metadata.labels?.[LABEL_TEMPLATE_SET] as string,
              known: false,
              unchanged: false,
              skipUnchanged: false,
            });
            if (outcome.state !== "applied")
              throw new Error(`creating ${object.metadata.name}: ${outcome.state}`);
          }),
        ),
    );
    // No kubelet: Deployments are marked ready as a rollout would, so inline repairs later do not wait.
    await Promise.all(
      all.filter((o) => o.object.kind === "Deployment").map((o) => limit(() => markReady(apps, o.object))),
    );
    await recordApplied(
      fixture.db,
      chunk.flatMap((c) => c.entries),
    );
    if ((start / 500) % 4 === 3) console.log(`  fleet: ${start + 500} of ${rows.length} tenants created`);
  }
  return objects;
}

/** Runs sweeps in a fresh process (like one Lambda container) and returns each run's figures. */
async function sweepInChild(
  env: NodeJS.ProcessEnv,
  runs: object[],
  nodeFlags: string[] = [],
): Promise<ChildRun[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...nodeFlags, await bundleLikeLambda("sweep-child.ts", "sweep"), JSON.stringify(runs)],
    { env: { ...process.env, ...env }, maxBuffer: 64 * MiB },
  );
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{") && line.includes('"outcome"'))
    .map((line) => JSON.parse(line) as ChildRun);
}

const verbs = (run: ChildRun) =>
  Object.entries(run.requests)
    .filter(([, n]) => n > 0)
    .map(([verb, n]) => `${verb} ${n}`)
    .join(", ") || "none";

function figuresOf(title: string, run: ChildRun, extra = ""): Figure[] {
  return [
    {
      name: `${title}: duration`,
      value: run.durationMs / 1000,
      unit: "s",
      note: `${run.outcome}; ${run.counts.desiredObjects} desired, ${run.counts.liveObjects} live objects${extra}`,
    },
    {
      name: `${title}: API requests`,
      value: Object.values(run.requests).reduce((a, b) => a + b, 0),
      unit: "requests",
      note: verbs(run),
    },
    {
      name: `${title}: writes`,
      value: run.writes,
      unit: "writes",
      note: "apply (not dry-run) + patch + delete",
    },
    {
      name: `${title}: peak RSS`,
      value: run.rssPeak / MiB,
      unit: "MiB",
      note: `sampled every 20 ms during this run; ${(run.baselineRss / MiB).toFixed(0)} MiB after start-up; process high-water mark ${(run.maxRss / MiB).toFixed(0)} MiB`,
    },
  ];
}

/**
 * Issue 5's benchmark: `tenants` tenants of the example sets (10,000 in the full run). A sweep with no drift
 * (goal: list requests only, zero writes), then with 1% of the tenants drifted and repaired inline. The cold
 * no-drift run's process is also the sweep function's peak RSS in the report.
 */
export async function sweepBench(tenants: number): Promise<{ figures: Figure[]; memory: MemoryRun }> {
  const info = stack();
  const run = uniqueName("b").replace("-", "");
  const fixture = await engineFixture("postgres", "bench_sweep", {
    tenantsDdl: EXAMPLE_TENANTS_DDL.postgres,
  });
  const kubeconfig = adminKubeConfig();
  const simulator = new WorkloadSimulator(kubeconfig);
  const { dir, names } = scopedSets(run);
  const selector = `${LABEL_TEMPLATE_SET} in (${names.join(",")})`;
  try {
    const sets = await fixture.loadSets(dir);
    const client = await fixture.clusters.client(info.clusterName);
    const rows = Array.from({ length: tenants }, (_, i) => exampleTenant(run, i));
    await insertTenants(fixture.db, rows);
    console.log(`  creating ${tenants} tenants' objects (bare SSA loop, ${IN_FLIGHT} in flight)…`);
    const setupStart = performance.now();
    const apps = kubeconfig.makeApiClient(AppsV1Api);
    const objects = await createFleet(client, sets, rows, fixture, apps);
    const setupSeconds = seconds(setupStart);
    // Repairs re-apply Deployments; the simulator keeps them ready as a kubelet would.
    await simulator.start();

    const env = {
      TENANT_SYNC_DATABASE_URL: fixture.scratch.url,
      TENANT_SYNC_TEMPLATES_DIR: dir,
      TENANT_SYNC_ACTIVE_COLUMN: "active",
      TENANT_SYNC_CLUSTER_COLUMN: "cluster",
      TENANT_SYNC_DEFAULT_CLUSTER: info.clusterName,
      TENANT_SYNC_SWEEP_LABEL_SELECTOR: selector,
      TENANT_SYNC_LOG_LEVEL: "WARN",
    };
    const scope = { labelSelector: selector };
    const [cold, warm, deep] = await sweepInChild(env, [
      // Inline throughout: should anything need repair, it is never sent to the stack's shared queue.
      { ...scope, inline: true, deepCheckMaxTenants: 0 },
      { ...scope, inline: true, deepCheckMaxTenants: 0 },
      { ...scope, inline: true },
    ]);
    if (!cold || !warm || !deep) throw new Error("the sweep child process reported fewer runs than asked");
    // Node grows its heap lazily while nothing limits it; a Lambda has a fixed memory size. The same cold
    // sweep with the old generation capped shows what the sweep needs rather than what Node took.
    const [capped] = await sweepInChild(
      env,
      [{ ...scope, inline: true, deepCheckMaxTenants: 0 }],
      [`--max-old-space-size=${HEAP_CAP_MB}`],
    );
    if (!capped) throw new Error("the capped sweep child process reported no run");

    // 1% drift: half of it a removed content-hash annotation (`kubectl annotate ... <key>-`), half objects
    // deleted by hand. (An edit of a field we own by another field manager is found too, but under the
    // default conflict policy Stuck the engine then reports Conflicted instead of overwriting it.)
    const raw = KubernetesObjectApi.makeApiClient(kubeconfig);
    const core = kubeconfig.makeApiClient(CoreV1Api);
    const drifted = rows.filter((_, i) => i % 100 === 0);
    await Promise.all(
      drifted.map(async (row, i) => {
        const namespace = `tenant-${row.slug as string}`;
        if (i % 2 === 0) {
          await raw.patch(
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: {
                name: "web-config",
                namespace,
                annotations: { [ANNOTATION_CONTENT_HASH]: null as unknown as string },
              },
            },
            undefined,
            undefined,
            "kubectl-annotate",
            undefined,
            PatchStrategy.MergePatch,
          );
        } else {
          await core.deleteNamespacedConfigMap({ name: "web-config", namespace });
        }
      }),
    );
    const [repair, verify] = await sweepInChild(env, [
      { ...scope, inline: true },
      { ...scope, inline: true, deepCheckMaxTenants: 0 },
    ]);
    if (!repair || !verify) throw new Error("the sweep child process reported fewer runs than asked");

    const figures: Figure[] = [
      {
        name: "fleet",
        value: tenants,
        unit: "tenants",
        note: `${objects} objects (${(objects / tenants).toFixed(1)} per tenant), created in ${setupSeconds.toFixed(0)} s`,
      },
      ...figuresOf("no drift, cold process", cold, "; deep checks off"),
      ...figuresOf(`no drift, cold, heap capped at ${HEAP_CAP_MB} MB`, capped, "; --max-old-space-size"),
      ...figuresOf("no drift, warm process", warm, "; renders reused from the first run"),
      ...figuresOf(
        "no drift, default deep check",
        deep,
        `; ${deep.counts.deepCheckedTenants} tenants (1/96) deep-checked with ${deep.counts.deepChecked} dry-run applies, ${deep.counts.deepDrifted} drifted`,
      ),
      ...figuresOf(
        "1% drifted, inline repair",
        repair,
        `; found ${repair.counts.drifted} drifted + ${repair.counts.deletedByHand} deleted by hand in ${repair.counts.tenantsToRepair} tenants, ${repair.counts.repaired} repaired`,
      ),
      {
        name: "1% drifted: time until all repaired",
        value: repair.durationMs / 1000,
        unit: "s",
        note: `plan + inline reconcile of every drifted tenant; the next sweep found ${verify.counts.drifted + verify.counts.deletedByHand + verify.counts.missing} left`,
      },
    ];
    const memory: MemoryRun = {
      fn: "sweep",
      maxRssMiB: cold.maxRss / MiB,
      workload: `cold sweep of ${tenants} tenants, no drift (${cold.counts.liveObjects} live objects)`,
    };
    return { figures, memory };
  } finally {
    simulator.stop();
    if (!KEEP) {
      const core = kubeconfig.makeApiClient(CoreV1Api);
      const limit = pLimit(32);
      const namespaces = await core.listNamespace({ labelSelector: `${managedSelector()},${selector}` });
      await Promise.all(
        namespaces.items.map((n) =>
          limit(() => core.deleteNamespace({ name: n.metadata?.name as string }).catch(() => {})),
        ),
      );
    }
    if (KEEP) {
      // For looking at the fleet, or sweeping it again with sweep-child.ts and this environment.
      console.log(
        `  kept: TENANT_SYNC_DATABASE_URL=${fixture.scratch.url} TENANT_SYNC_TEMPLATES_DIR=${dir} ` +
          `TENANT_SYNC_SWEEP_LABEL_SELECTOR='${selector}'`,
      );
      await fixture.db.close();
    } else {
      await fixture.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function markReady(apps: AppsV1Api, object: KubeObject): Promise<void> {
  const replicas = ((object.spec as { replicas?: number } | undefined)?.replicas ?? 1) as number;
  await apps.patchNamespacedDeploymentStatus(
    {
      name: object.metadata.name,
      namespace: object.metadata.namespace as string,
      body: {
        status: {
          observedGeneration: 1,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
        },
      },
    },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}
