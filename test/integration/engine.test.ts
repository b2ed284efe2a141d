import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dialect } from "../../lib/db/dialect.ts";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_ORPHANED_REASON,
  LABEL_MANAGED_BY,
  LABEL_RESOURCE,
  LABEL_TENANT,
} from "../../lib/kube/labels.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { grantTemplateKinds } from "../support/rbac.ts";
import { adminKubeConfig, eventually, uniqueName } from "../support/stack.ts";
import { exists, markDeploymentReady } from "../support/workloads.ts";

const kubeconfig = adminKubeConfig();
const core = kubeconfig.makeApiClient(CoreV1Api);
const apps = kubeconfig.makeApiClient(AppsV1Api);
const raw = KubernetesObjectApi.makeApiClient(kubeconfig);

/** Watches a namespace and records the order in which objects get a deletion timestamp or disappear. */
async function recordDeletions(namespace: string) {
  const order: string[] = [];
  const note = (kind: string, name: string | undefined) => {
    if (name && !order.includes(`${kind}/${name}`)) order.push(`${kind}/${name}`);
  };
  const watch = new Watch(kubeconfig);
  const watches = await Promise.all(
    [
      [`/api/v1/namespaces/${namespace}/configmaps`, "ConfigMap"],
      [`/apis/apps/v1/namespaces/${namespace}/deployments`, "Deployment"],
      [`/api/v1/namespaces/${namespace}/secrets`, "Secret"],
      ["/api/v1/namespaces", "Namespace"],
    ].map(([path, kind]) =>
      watch.watch(
        path as string,
        {},
        (type: string, object: { metadata?: { name?: string; deletionTimestamp?: unknown } }) => {
          if (kind === "Namespace" && object.metadata?.name !== namespace) return;
          if (type === "DELETED" || object.metadata?.deletionTimestamp)
            note(kind as string, object.metadata?.name);
        },
        () => {},
      ),
    ),
  );
  return {
    order,
    stop: () => {
      for (const established of watches) established.abort();
    },
  };
}

const deploymentTemplate = (name: string, timeout = 30) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: {{replicas}}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: app
          image: "nginx:{{plan}}"
# timeout ${timeout}
`;

/** The set most tests use: a namespace per tenant, a database that must be ready before the app's config. */
function appSet(
  options: { configConflict?: "Stuck" | "Force"; withService?: boolean; readinessTimeout?: number } = {},
) {
  return {
    "templateset.yaml": `name: app
namespace: "{{#dnsLabel}}et-{{slug}}{{/dnsLabel}}"
resources:
  - id: namespace
    file: namespace.yaml.mustache
  - id: db
    file: db.yaml.mustache
    dependsOn: [namespace]
    readiness: { wait: true, timeoutSeconds: ${options.readinessTimeout ?? 30} }
    ignoreFields: [spec.replicas]
  - id: config
    file: config.yaml.mustache
    dependsOn: [db]
    conflict: ${options.configConflict ?? "Stuck"}
  - id: keys
    file: keys.yaml.mustache
    dependsOn: [namespace]
    creation: Once
${
  options.withService === false
    ? ""
    : `  - id: service
    file: service.yaml.mustache
    dependsOn: [namespace]
`
}`,
    "namespace.yaml.mustache": `apiVersion: v1
kind: Namespace
metadata:
  name: {{namespace}}
`,
    "db.yaml.mustache": deploymentTemplate("db"),
    "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  labels:
    plan: {{plan}}
data:
  plan: {{plan}}
  note: {{note}}
`,
    "keys.yaml.mustache": `apiVersion: v1
kind: Secret
metadata:
  name: keys
stringData:
  first-plan: {{plan}}
`,
    "service.yaml.mustache": `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
`,
  };
}

describe.each<Dialect>(["postgres", "mysql"])("engine on %s", (dialect) => {
  let fixture: EngineFixture;
  const run = uniqueName("r");
  const slug = (name: string) => `${name}-${run}`;
  const ns = (name: string) => `et-${slug(name)}`;

  beforeAll(async () => {
    fixture = await engineFixture(dialect, `engine_${dialect}`);
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("applies dependents only after their dependencies are ready, then records Ready status and inventory", async () => {
    const sets = await fixture.loadSets(writeSets({ app: appSet() }));
    const engine = fixture.engine(sets);
    await fixture.insert({ id: "order", slug: slug("order"), plan: "1.27", replicas: 2 });
    const reconciling = engine.reconcile("order");

    await eventually("db deployment", () =>
      exists(() => apps.readNamespacedDeployment({ name: "db", namespace: ns("order") })),
    );
    // The config depends on db, which no controller has reported ready yet.
    expect(
      await exists(() => core.readNamespacedConfigMap({ name: "app-config", namespace: ns("order") })),
    ).toBe(false);
    // Independent branches do not wait for db.
    await eventually("service", () =>
      exists(() => core.readNamespacedService({ name: "web", namespace: ns("order") })),
    );
    await markDeploymentReady(ns("order"), "db");
    const outcome = await reconciling;

    expect(outcome.sets.map((s) => s.phase)).toEqual(["Ready"]);
    const config = await core.readNamespacedConfigMap({ name: "app-config", namespace: ns("order") });
    expect(config.data).toEqual({ plan: "1.27", note: "" });
    expect(config.metadata?.labels?.[LABEL_MANAGED_BY]).toBe("tenant-sync");
    expect(config.metadata?.labels?.[LABEL_TENANT]).toBe("order");
    expect(config.metadata?.labels?.[LABEL_RESOURCE]).toBe("config");
    expect(config.metadata?.annotations?.[ANNOTATION_CONTENT_HASH]).toMatch(/^[0-9a-f]{64}$/);

    const [status] = await readStatus(fixture.db, { tenantKey: "order" });
    expect(status).toMatchObject({
      phase: "Ready",
      desired: 5,
      ready: 5,
      failed: 0,
      skipped: 0,
      message: null,
    });
    const inventory = await readInventory(fixture.db, "order");
    expect(inventory.map((e) => e.resourceId).sort()).toEqual([
      "config",
      "db",
      "keys",
      "namespace",
      "service",
    ]);
  });

  it("updates on a changed row, keeps ignored and Once fields, and writes nothing when nothing changed", async () => {
    const sets = await fixture.loadSets(writeSets({ app: appSet() }));
    const engine = fixture.engine(sets);
    await fixture.insert({ id: "upd", slug: slug("upd"), plan: "1.27", replicas: 2 });
    const first = engine.reconcile("upd");
    await eventually("db", () =>
      exists(() => apps.readNamespacedDeployment({ name: "db", namespace: ns("upd") })),
    );
    await markDeploymentReady(ns("upd"), "db");
    await first;

    await fixture.update("upd", {
      plan: "1.28",
      replicas: 5,
      note: 'multi\nline: "quoted"\n---\nkind: Secret',
    });
    const updating = engine.reconcile("upd");
    await eventually("db rolled", async () => {
      const live = await apps.readNamespacedDeployment({ name: "db", namespace: ns("upd") });
      return live.spec?.template.spec?.containers[0]?.image === "nginx:1.28";
    });
    await markDeploymentReady(ns("upd"), "db");
    const outcome = await updating;
    expect(outcome.sets[0]?.phase).toBe("Ready");

    const db = await apps.readNamespacedDeployment({ name: "db", namespace: ns("upd") });
    expect(db.spec?.replicas).toBe(2);
    const config = await core.readNamespacedConfigMap({ name: "app-config", namespace: ns("upd") });
    expect(config.data).toEqual({ plan: "1.28", note: 'multi\nline: "quoted"\n---\nkind: Secret' });
    const keys = await core.readNamespacedSecret({ name: "keys", namespace: ns("upd") });
    expect(Buffer.from(keys.data?.["first-plan"] ?? "", "base64").toString()).toBe("1.27");

    const client = await fixture.clusters.client("local");
    const before = { ...client.counts };
    const again = await engine.reconcile("upd");
    expect(again.writes).toBe(0);
    expect(client.counts.apply).toBe(before.apply);
    expect(client.counts.delete).toBe(before.delete);
    expect(again.sets[0]?.phase).toBe("Ready");
  });

  it("prunes a resource removed from the template, only after every apply succeeded", async () => {
    const dir = writeSets({ app: appSet() });
    const engine = fixture.engine(await fixture.loadSets(dir));
    await fixture.insert({ id: "prune", slug: slug("prune") });
    const first = engine.reconcile("prune");
    await eventually("db", () =>
      exists(() => apps.readNamespacedDeployment({ name: "db", namespace: ns("prune") })),
    );
    await markDeploymentReady(ns("prune"), "db");
    await first;
    expect(await exists(() => core.readNamespacedService({ name: "web", namespace: ns("prune") }))).toBe(
      true,
    );

    writeSets({ app: appSet({ withService: false }) }, dir);
    const changed = fixture.engine(await fixture.loadSets(dir));
    const outcome = await changed.reconcile("prune");
    expect(outcome.pruned).toBe(1);
    expect(await exists(() => core.readNamespacedService({ name: "web", namespace: ns("prune") }))).toBe(
      false,
    );
    expect((await readInventory(fixture.db, "prune")).map((e) => e.resourceId)).not.toContain("service");
  });

  it("Stuck: a conflict marks the resource Conflicted and skips nothing independent; Force takes it back", async () => {
    const dir = writeSets({ app: appSet() });
    const engine = fixture.engine(await fixture.loadSets(dir));
    await fixture.insert({ id: "clash", slug: slug("clash"), plan: "1.27" });
    const first = engine.reconcile("clash");
    await eventually("db", () =>
      exists(() => apps.readNamespacedDeployment({ name: "db", namespace: ns("clash") })),
    );
    await markDeploymentReady(ns("clash"), "db");
    await first;

    await raw.patch(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "app-config", namespace: ns("clash") },
        data: { plan: "mine" },
      },
      undefined,
      undefined,
      "someone",
      true,
      PatchStrategy.ServerSideApply,
    );
    await fixture.update("clash", { note: "changed" });
    const stuck = await engine.reconcile("clash");
    expect(stuck.sets[0]?.phase).toBe("Conflicted");
    const states = Object.fromEntries((stuck.sets[0]?.resources ?? []).map((r) => [r.resourceId, r.state]));
    expect(states).toMatchObject({ config: "conflicted", service: "ready", keys: "ready", db: "ready" });
    const [status] = await readStatus(fixture.db, { tenantKey: "clash" });
    expect(status).toMatchObject({ phase: "Conflicted", failed: 1 });
    expect(status?.message).toMatch(/config: .*someone/);
    const stuckConfig = await core.readNamespacedConfigMap({ name: "app-config", namespace: ns("clash") });
    expect(stuckConfig.data?.plan).toBe("mine");

    const forceDir = writeSets({ app: appSet({ configConflict: "Force" }) });
    const forced = await fixture.engine(await fixture.loadSets(forceDir)).reconcile("clash");
    expect(forced.sets[0]?.phase).toBe("Ready");
    const config = await core.readNamespacedConfigMap({ name: "app-config", namespace: ns("clash") });
    expect(config.data).toEqual({ plan: "1.27", note: "changed" });
  });

  it("tears a deleted tenant down and records Deleted; a deactivated one too", async () => {
    const engine = fixture.engine(await fixture.loadSets(writeSets({ app: appSet() })));
    for (const id of ["gone", "paused"]) {
      await fixture.insert({ id, slug: slug(id) });
      const first = engine.reconcile(id);
      await eventually("db", () =>
        exists(() => apps.readNamespacedDeployment({ name: "db", namespace: ns(id) })),
      );
      await markDeploymentReady(ns(id), "db");
      await first;
    }
    await fixture.remove("gone");
    await fixture.update("paused", { active: "no" });
    for (const id of ["gone", "paused"]) {
      const deletions = await recordDeletions(ns(id));
      const outcome = await engine.reconcile(id);
      deletions.stop();
      // Reverse dependency order: the config that depends on db goes before db, the namespace last.
      expect(deletions.order.indexOf("ConfigMap/app-config")).toBeGreaterThanOrEqual(0);
      expect(deletions.order.indexOf("ConfigMap/app-config")).toBeLessThan(
        deletions.order.indexOf("Deployment/db"),
      );
      expect(deletions.order.at(-1)).toBe(`Namespace/${ns(id)}`);
      expect(outcome.action).toBe("teardown");
      expect(outcome.sets.map((s) => s.phase)).toEqual(["Deleted"]);
      expect(await exists(() => apps.readNamespacedDeployment({ name: "db", namespace: ns(id) }))).toBe(
        false,
      );
      await eventually(
        "namespace gone",
        async () => !(await exists(() => core.readNamespace({ name: ns(id) }))),
      );
      expect(await readInventory(fixture.db, id)).toEqual([]);
      expect((await readStatus(fixture.db, { tenantKey: id }))[0]?.phase).toBe("Deleted");
    }
  });

  it("fails one tenant with an unusable value precisely, and leaves the other tenants alone", async () => {
    const engine = fixture.engine(
      await fixture.loadSets(writeSets({ app: appSet({ withService: false, readinessTimeout: 1 }) })),
    );
    await fixture.insert({ id: "bad", slug: slug("bad"), plan: "not a label value!" });
    const outcome = await engine.reconcile("bad");
    const states = Object.fromEntries((outcome.sets[0]?.resources ?? []).map((r) => [r.resourceId, r.state]));
    expect(states).toMatchObject({ namespace: "ready", keys: "ready", config: "failed" });
    const [status] = await readStatus(fixture.db, { tenantKey: "bad" });
    expect(status?.phase).toBe("Failed");
    expect(status?.message).toMatch(/config: .*metadata\.labels\.plan/);
    // Nothing half-rendered reached the cluster.
    expect(
      await exists(() => core.readNamespacedConfigMap({ name: "app-config", namespace: ns("bad") })),
    ).toBe(false);
    expect((await readStatus(fixture.db, { tenantKey: "order" }))[0]?.phase).toBe("Ready");

    await fixture.insert({ id: "badflag", slug: slug("badflag"), active: "maybe" });
    const invalid = await engine.reconcile("badflag");
    expect(invalid.action).toBe("invalid");
    const [flagStatus] = await readStatus(fixture.db, { tenantKey: "badflag" });
    expect(flagStatus?.phase).toBe("Failed");
    expect(flagStatus?.message).toMatch(/active/);
    expect(flagStatus?.message).toMatch(/maybe/);
  });
});

describe("Retain, cluster-scoped kinds and custom resources", () => {
  let fixture: EngineFixture;
  const shared = uniqueName("shared");
  const crdGroup = `${uniqueName("g")}.tenant-sync.test`;
  let revokeGrant: () => Promise<void> = async () => {};

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "engine_kinds");
    await core.createNamespace({ body: { metadata: { name: shared } } });
    await raw.create({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `databases.${crdGroup}` },
      spec: {
        group: crdGroup,
        scope: "Namespaced",
        names: { plural: "databases", singular: "database", kind: "Database" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: { type: "object", properties: { size: { type: "integer" } } },
                  status: {
                    type: "object",
                    properties: {
                      conditions: {
                        type: "array",
                        items: {
                          type: "object",
                          properties: { type: { type: "string" }, status: { type: "string" } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    } as never);
    await eventually("CRD established", async () => {
      const crd = (await raw.read({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `databases.${crdGroup}` },
      })) as { status?: { conditions?: { type: string; status: string }[] } };
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: shared }).catch(() => {});
    await fixture?.close();
    await revokeGrant();
  });

  it("applies a ClusterRole and waits for a custom resource's Ready condition; Retain keeps a marked orphan", async () => {
    const dir = writeSets({
      kinds: {
        "templateset.yaml": `name: kinds
namespace: "${shared}"
resources:
  - id: reader
    file: reader.yaml.mustache
  - id: database
    file: database.yaml.mustache
    readiness: { wait: true, timeoutSeconds: 30, condition: Ready }
  - id: kept
    file: kept.yaml.mustache
    dependsOn: [database]
    deletion: Retain
`,
        "reader.yaml.mustache": `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: "{{#dnsSubdomain}}reader-{{id}}-${shared}{{/dnsSubdomain}}"
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get]
`,
        "database.yaml.mustache": `apiVersion: ${crdGroup}/v1
kind: Database
metadata:
  name: "db-{{id}}"
spec:
  size: {{replicas}}
`,
        "kept.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: "kept-{{id}}"
data:
  slug: {{slug}}
`,
      },
    });
    // ClusterRole and the CRD are not example kinds: the engine (tenant-sync identity) needs them granted.
    revokeGrant = await grantTemplateKinds(dir);
    const engine = fixture.engine(await fixture.loadSets(dir));
    await fixture.insert({ id: "kinds", slug: "k", replicas: 3 });
    const applying = engine.reconcile("kinds");
    const database = {
      apiVersion: `${crdGroup}/v1`,
      kind: "Database",
      metadata: { name: "db-kinds", namespace: shared },
    };
    await eventually("database", () => exists(() => raw.read(database)));
    expect(await exists(() => core.readNamespacedConfigMap({ name: "kept-kinds", namespace: shared }))).toBe(
      false,
    );
    const live = (await raw.read(database)) as unknown as Record<string, unknown>;
    await kubeconfig.makeApiClient(CustomObjectsApi).replaceNamespacedCustomObjectStatus({
      group: crdGroup,
      version: "v1",
      namespace: shared,
      plural: "databases",
      name: "db-kinds",
      body: { ...live, status: { conditions: [{ type: "Ready", status: "True" }] } },
    });
    const outcome = await applying;
    expect(outcome.sets[0]?.message ?? null).toBeNull();
    expect(outcome.sets[0]?.phase).toBe("Ready");

    await fixture.remove("kinds");
    const torn = await engine.reconcile("kinds");
    expect(torn.sets[0]?.phase).toBe("Deleted");
    const kept = await core.readNamespacedConfigMap({ name: "kept-kinds", namespace: shared });
    expect(kept.metadata?.labels?.[LABEL_MANAGED_BY]).toBeUndefined();
    expect(kept.metadata?.annotations?.[ANNOTATION_ORPHANED_REASON]).toBe("tenant deleted");
    expect(await exists(() => raw.read(database))).toBe(false);
  });
});

describe("policy combinations", () => {
  let fixture: EngineFixture;
  const namespace = uniqueName("combo");

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "engine_combo");
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    await fixture?.close();
  });

  it("skipOnDependencyFailure false runs despite a failed dependency; Once + Retain is never updated and survives teardown", async () => {
    const configMap = (name: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "${name}-{{id}}"\ndata:\n  plan: {{plan}}\n`;
    const dir = writeSets({
      combo: {
        "templateset.yaml": `name: combo
namespace: "${namespace}"
resources:
  - id: slow
    file: slow.yaml.mustache
    readiness: { wait: true, timeoutSeconds: 1 }
  - id: careful
    file: careful.yaml.mustache
    dependsOn: [slow]
  - id: eager
    file: eager.yaml.mustache
    dependsOn: [slow]
    skipOnDependencyFailure: false
  - id: keep
    file: keep.yaml.mustache
    creation: Once
    deletion: Retain
`,
        "slow.yaml.mustache": deploymentTemplate("slow"),
        "careful.yaml.mustache": configMap("careful"),
        "eager.yaml.mustache": configMap("eager"),
        "keep.yaml.mustache": configMap("keep"),
      },
    });
    const engine = fixture.engine(await fixture.loadSets(dir));
    await fixture.insert({ id: "combo", slug: "combo", plan: "1.27" });
    const first = await engine.reconcile("combo");
    const states = Object.fromEntries((first.sets[0]?.resources ?? []).map((r) => [r.resourceId, r.state]));
    expect(states).toEqual({ slow: "failed", careful: "skipped", eager: "ready", keep: "ready" });
    expect(first.sets[0]?.message).toMatch(/slow: .*not ready after 1s/);
    expect(first.sets[0]?.message).toMatch(/skipped because a dependency is not ready: careful/);
    expect(await exists(() => core.readNamespacedConfigMap({ name: "careful-combo", namespace }))).toBe(
      false,
    );
    expect(await exists(() => core.readNamespacedConfigMap({ name: "eager-combo", namespace }))).toBe(true);

    await fixture.update("combo", { plan: "1.28" });
    await engine.reconcile("combo");
    expect((await core.readNamespacedConfigMap({ name: "keep-combo", namespace })).data?.plan).toBe("1.27");
    expect((await core.readNamespacedConfigMap({ name: "eager-combo", namespace })).data?.plan).toBe("1.28");

    await fixture.remove("combo");
    const torn = await engine.reconcile("combo");
    expect(torn.action).toBe("teardown");
    const kept = await core.readNamespacedConfigMap({ name: "keep-combo", namespace });
    expect(kept.metadata?.annotations?.[ANNOTATION_ORPHANED_REASON]).toBe("tenant deleted");
    expect(await exists(() => core.readNamespacedConfigMap({ name: "eager-combo", namespace }))).toBe(false);
    expect(await exists(() => apps.readNamespacedDeployment({ name: "slow", namespace }))).toBe(false);
  });
});
