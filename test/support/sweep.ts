import { CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import type { Dialect } from "../../lib/db/dialect.ts";
import type { TenantSource } from "../../lib/db/source.ts";
import type { Engine } from "../../lib/engine/engine.ts";
import { createLog } from "../../lib/log.ts";
import type { SweepOptions } from "../../lib/sweep/options.ts";
import type { SweepResult } from "../../lib/sweep/result.ts";
import { type SweepDeps, Sweeper } from "../../lib/sweep/sweep.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { type EngineFixture, engineFixture, writeSets } from "./engine.ts";
import { grantTemplateKinds } from "./rbac.ts";
import { adminKubeConfig, stack, uniqueName } from "./stack.ts";

/** The label every object of one test carries, so each sweep sees only its own test's objects. */
export const SCOPE_LABEL = "sweep-test";

export interface SetOptions {
  /** Leave out the ServiceAccount resource (to test pruning). */
  withoutAccount?: boolean;
}

/**
 * The set the sweep tests use, all in one namespace of the test's own (deleting objects is immediate, while
 * namespace deletion waits on the controller, which other suites keep busy): a cluster-scoped ClusterRole,
 * a ConfigMap (conflict Stuck), another (Force), a Secret created Once and kept on removal (Retain), a
 * ServiceAccount, and a Deployment whose replicas another controller owns (ignoreFields), so the deep check
 * meets defaulting and ignored fields.
 */
export function sweepSet(run: string, options: SetOptions = {}): Record<string, string> {
  const scope = `    ${SCOPE_LABEL}: "${run}"`;
  return {
    "templateset.yaml": `name: app
namespace: "${testNamespace(run)}"
resources:
  - id: role
    file: role.yaml.mustache
  - id: config
    file: config.yaml.mustache
  - id: settings
    file: settings.yaml.mustache
    conflict: Force
  - id: keys
    file: keys.yaml.mustache
    creation: Once
    deletion: Retain
  - id: web
    file: web.yaml.mustache
    dependsOn: [config, keys]
    readiness: { wait: false }
    ignoreFields: [spec.replicas]
${
  options.withoutAccount
    ? ""
    : `  - id: account
    file: account.yaml.mustache
    dependsOn: [role]
`
}`,
    "role.yaml.mustache": `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: sw-{{slug}}
  labels:
${scope}
rules: []
`,
    "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{slug}}-config
  labels:
${scope}
data:
  plan: "{{plan}}"
  note: "{{note}}"
`,
    "settings.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{slug}}-settings
  labels:
${scope}
data:
  replicas: "{{replicas}}"
`,
    "keys.yaml.mustache": `apiVersion: v1
kind: Secret
metadata:
  name: {{slug}}-keys
  labels:
${scope}
stringData:
  first-plan: "{{plan}}"
`,
    "web.yaml.mustache": webDeployment(run, "{{replicas}}"),
    "account.yaml.mustache": `apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{slug}}-account
  labels:
${scope}
`,
  };
}

/**
 * A tenant's Deployment `{{slug}}-web` (one nginx container) in the test's scope; `replicas` is the template's
 * text for spec.replicas.
 */
export function webDeployment(run: string, replicas: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{slug}}-web
  labels:
    ${SCOPE_LABEL}: "${run}"
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: "{{slug}}" } }
  template:
    metadata: { labels: { app: "{{slug}}" } }
    spec:
      containers:
        - name: app
          image: "nginx:1.27"
`;
}

export const testNamespace = (run: string) => `sw-${run}`;

/** One test's own database, template folder, scope label and cluster objects. */
export interface SweepWorld {
  run: string;
  fixture: EngineFixture;
  source: TenantSource;
  dir: string;
  sets: TemplateSet[];
  engine: Engine;
  /** The test's namespace, where every namespaced object goes. */
  namespace: string;
  slug(name: string): string;
  /** The name of a tenant's object: `object("a", "config")`. */
  name(tenant: string, suffix: string): string;
  /** Inserts tenants and reconciles them with the engine, so real managed objects exist. */
  provision(...names: string[]): Promise<void>;
  /** Reloads the sets from `dir` after a template change. */
  reload(options?: SetOptions): Promise<void>;
  sweeper(deps?: Partial<SweepDeps>): Sweeper;
  /** One sweep, inline unless told otherwise, scoped to this test's objects. */
  sweep(options?: Partial<SweepOptions>, deps?: Partial<SweepDeps>): Promise<SweepResult>;
  close(): Promise<void>;
}

export async function sweepWorld(dialect: Dialect, prefix: string): Promise<SweepWorld> {
  stack();
  const run = uniqueName("sw");
  const fixture = await engineFixture(dialect, `${prefix}_${dialect}`);
  const source = fixture.source;
  const dir = writeSets({ app: sweepSet(run) });
  const log = createLog("tenant-sync-sweep-test");
  const kubeconfig = adminKubeConfig();
  const core = kubeconfig.makeApiClient(CoreV1Api);
  const rbac = kubeconfig.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({
    body: { metadata: { name: testNamespace(run), labels: { [SCOPE_LABEL]: run } } },
  });
  // The set renders ClusterRoles, not an example kind: the engine and sweep (tenant-sync) need them granted.
  const revokeGrant = await grantTemplateKinds(dir);
  const world: SweepWorld = {
    run,
    fixture,
    source,
    dir,
    sets: await fixture.loadSets(dir),
    engine: undefined as unknown as Engine,
    namespace: testNamespace(run),
    slug: (name) => `${name}-${run}`,
    name: (tenant, suffix) => `${tenant}-${run}-${suffix}`,
    async provision(...names) {
      for (const name of names) await fixture.insert({ id: name, slug: world.slug(name), plan: "basic" });
      const outcomes = await Promise.all(names.map((name) => world.engine.reconcile(name)));
      const broken = outcomes.filter((o) => o.sets.some((s) => s.phase !== "Ready"));
      if (broken.length > 0) {
        throw new Error(`provisioning failed: ${JSON.stringify(broken.map((o) => o.sets))}`);
      }
    },
    async reload(options = {}) {
      writeSets({ app: sweepSet(run, options) }, dir);
      world.sets = await fixture.loadSets(dir);
      world.engine = fixture.engine(world.sets);
    },
    sweeper: (deps = {}) =>
      new Sweeper({
        db: fixture.db,
        source,
        sets: world.sets,
        clusters: fixture.clusters,
        log,
        engine: world.engine,
        ...deps,
      }),
    sweep: (options = {}, deps = {}) =>
      world.sweeper(deps).run({
        inline: true,
        labelSelector: `${SCOPE_LABEL}=${run}`,
        deepCheckMaxTenants: 0,
        ...options,
      }),
    async close() {
      // The namespace goes with everything in it (the controller finishes in the background).
      await core.deleteNamespace({ name: world.namespace }).catch(() => {});
      await rbac.deleteCollectionClusterRole({ labelSelector: `${SCOPE_LABEL}=${run}` }).catch(() => {});
      await revokeGrant();
      await fixture.close();
    },
  };
  world.engine = fixture.engine(world.sets);
  return world;
}
