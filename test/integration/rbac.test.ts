import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  type KubeConfig,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_TENANTS_DDL } from "../../infra/example/tenants.ts";
import { WorkloadSimulator } from "../../infra/stack/workload-simulator.ts";
import { KubeconfigStore } from "../../lib/clusters/kubeconfig-store.ts";
import { createTenantSource } from "../../lib/db/source.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import type { Engine } from "../../lib/engine/engine.ts";
import { LABEL_TENANT } from "../../lib/kube/labels.ts";
import { createLog } from "../../lib/log.ts";
import { Sweeper } from "../../lib/sweep/sweep.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { adminKubeConfig, eventually, stack, uniqueName } from "../support/stack.ts";

const statusCode = (error: unknown) => (error as { code?: number }).code;
const outcomeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error) => statusCode(error),
  );
const gone = (read: () => Promise<unknown>) =>
  eventually("object gone", async () => (await outcomeOf(read())) === 404);

/** A copy of the example template sets, so one test can drop a resource (prune) without touching templates/. */
function copyExampleSets(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-sync-rbac-"));
  fs.cpSync(path.resolve("templates"), dir, { recursive: true });
  return dir;
}

describe("the tenant-sync identity", () => {
  // Exactly what the product gets: the cluster's kubeconfig from Secrets Manager by cluster name.
  let identity: KubeConfig;
  let fixture: EngineFixture;

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "rbac_identity");
    identity = await new KubeconfigStore(new SecretsManagerClient({}), { prefix: stack().secretPrefix }).get(
      stack().clusterName,
    );
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("is user tenant-sync with no groups beyond system:authenticated", async () => {
    const review = await identity.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe("tenant-sync");
    expect(review.status?.userInfo?.groups).toEqual(["system:authenticated"]);
  });

  it("may not do what the shipped role does not grant", async () => {
    const core = identity.makeApiClient(CoreV1Api);
    const rbac = identity.makeApiClient(RbacAuthorizationV1Api);
    const apps = identity.makeApiClient(AppsV1Api);
    expect(await outcomeOf(core.listNode())).toBe(403);
    expect(await outcomeOf(core.listPodForAllNamespaces())).toBe(403);
    // No RBAC writes: tenant-sync cannot widen its own rights.
    expect(
      await outcomeOf(
        rbac.createClusterRoleBinding({
          body: {
            metadata: { name: uniqueName("escalate") },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "tenant-sync" }],
          },
        }),
      ),
    ).toBe(403);
    // It reads Deployments but may not write their status: only the kubelet's stand-in does that.
    expect(await outcomeOf(apps.listDeploymentForAllNamespaces({ limit: 1 }))).toBe(200);
    expect(
      await outcomeOf(
        apps.patchNamespacedDeploymentStatus({ name: "web", namespace: "default", body: { status: {} } }),
      ),
    ).toBe(403);
  });

  it("a template set with a kind the role does not grant fails that set with the Forbidden reason", async () => {
    const key = uniqueName("rb-denied");
    const dir = writeSets({
      denied: {
        "templateset.yaml": "name: denied\nresources:\n  - id: priority\n    file: priority.yaml.mustache\n",
        "priority.yaml.mustache": `apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: "${key}"\nvalue: 1000\n`,
      },
    });
    const engine = fixture.engine(await fixture.loadSets(dir));
    await fixture.insert({ id: key, slug: key });
    const outcome = await engine.reconcile(key);
    expect(outcome.sets[0]?.phase).toBe("Failed");
    expect(outcome.sets[0]?.message).toMatch(/forbidden/i);
    expect(outcome.sets[0]?.message).toMatch(/tenant-sync/);
    // Retried (and dead-lettered with an alarm if the grant never comes), not dropped.
    expect(outcome.retryable).toBe(true);
  });
});

describe("the example sets' lifecycle as tenant-sync, with the shipped role only", () => {
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const networking = admin.makeApiClient(NetworkingV1Api);
  const pro = uniqueName("rbp");
  const basic = uniqueName("rbb");
  const namespaceOf = (key: string) => `tenant-${key}`;
  let fixture: EngineFixture;
  let dir: string;
  let sets: TemplateSet[];
  let engine: Engine;
  let simulator: WorkloadSimulator;

  const insert = (id: string, plan: string) =>
    fixture.db.query("INSERT INTO tenants (id, slug, display_name, plan, host) VALUES ($1, $2, $3, $4, $5)", [
      id,
      id,
      `Tenant ${id}`,
      plan,
      `${id}.example.com`,
    ]);
  const sweeper = () =>
    new Sweeper({
      db: fixture.db,
      source: createTenantSource(fixture.db, {
        table: "tenants",
        keyColumn: "id",
        activeColumn: "active",
        clusterColumn: "cluster",
        defaultCluster: stack().clusterName,
      }),
      sets,
      clusters: fixture.clusters,
      log: createLog("tenant-sync-rbac-test"),
      engine,
    });
  const sweep = (options: { maxDeleteShare?: number } = {}) =>
    sweeper().run({
      inline: true,
      labelSelector: `${LABEL_TENANT} in (${pro},${basic})`,
      deepCheckMaxTenants: 0,
      ...options,
    });

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "rbac_lifecycle", { tenantsDdl: EXAMPLE_TENANTS_DDL.postgres });
    dir = copyExampleSets();
    sets = await fixture.loadSets(dir);
    engine = fixture.engine(sets);
    // The kubelet's stand-in writes Deployment status as admin; the engine only reads it.
    simulator = new WorkloadSimulator(admin, { labelSelector: `${LABEL_TENANT} in (${pro},${basic})` });
    await simulator.start();
  });
  afterAll(async () => {
    simulator?.stop();
    await Promise.allSettled([pro, basic].map((key) => core.deleteNamespace({ name: namespaceOf(key) })));
    await fixture?.close();
  });

  it("creates, updates, prunes, repairs drift, tears down and sweeps away", async () => {
    await insert(pro, "pro");
    await insert(basic, "basic");
    const created = await Promise.all([engine.reconcile(pro), engine.reconcile(basic)]);
    const phases = created.map((o) =>
      o.sets
        .map((s) => [s.templateSet, s.phase, s.message ?? null])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(phases).toEqual([
      [
        ["monitoring", "Ready", null],
        ["webapp", "Ready", null],
      ],
      [["webapp", "Ready", null]],
    ]);

    // Update: a changed row changes the quota.
    await fixture.db.query("UPDATE tenants SET cpu_limit = '8' WHERE id = $1", [pro]);
    expect((await engine.reconcile(pro)).sets.every((s) => s.phase === "Ready")).toBe(true);
    const quota = await core.readNamespacedResourceQuota({
      name: "tenant-quota",
      namespace: namespaceOf(pro),
    });
    expect(quota.spec?.hard?.["limits.cpu"]).toBe("8");

    // Prune: the ingress leaves the template, so it leaves the cluster.
    const manifest = path.join(dir, "webapp", "templateset.yaml");
    const text = fs.readFileSync(manifest, "utf8");
    const withoutIngress = text.replace(/ {2}- id: ingress\n(?: {4}.*\n)*/, "");
    expect(withoutIngress).not.toBe(text);
    fs.writeFileSync(manifest, withoutIngress);
    sets = await fixture.loadSets(dir);
    engine = fixture.engine(sets);
    const pruned = await engine.reconcile(pro);
    expect(pruned.pruned).toBe(1);
    await gone(() => networking.readNamespacedIngress({ name: "web", namespace: namespaceOf(pro) }));

    // Drift: deleted by hand, the sweep (listing every kind cluster-wide as tenant-sync) puts it back.
    await core.deleteNamespacedConfigMap({ name: "web-config", namespace: namespaceOf(basic) });
    // (Its ingress, gone from the template, is an orphan now: more than the default share for two tenants.)
    const repair = await sweep({ maxDeleteShare: 1 });
    expect(repair.outcome, repair.heldReason).toBe("Done");
    expect(repair.counts).toMatchObject({ deletedByHand: 1, repaired: 1 });
    expect(
      (await core.readNamespacedConfigMap({ name: "web-config", namespace: namespaceOf(basic) })).metadata
        ?.name,
    ).toBe("web-config");

    // A row deleted while nothing ran: the sweep removes its orphans (the other tenant
    // still exists: an empty source would make the sweep hold back).
    await fixture.db.query("DELETE FROM tenants WHERE id = $1", [basic]);
    const removal = await sweep({ maxDeleteShare: 1 });
    expect(removal.outcome, removal.heldReason).toBe("Done");
    expect(removal.counts.removeFailed).toBe(0);
    expect(removal.counts.removed).toBeGreaterThan(0);
    await gone(() => core.readNamespacedConfigMap({ name: "web-config", namespace: namespaceOf(basic) }));
    // Teardown of a deleted row, by the engine.
    await fixture.db.query("DELETE FROM tenants WHERE id = $1", [pro]);
    const torn = await engine.reconcile(pro);
    expect(torn.sets.map((s) => s.phase)).toEqual(["Deleted", "Deleted"]);
    const [status] = await readStatus(fixture.db, { tenantKey: pro });
    expect(status?.phase).toBe("Deleted");
  });
});
