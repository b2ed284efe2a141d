import diagnostics from "node:diagnostics_channel";
import { CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterRegistry } from "../../lib/clusters/cluster-registry.ts";
import { KubeconfigStore } from "../../lib/clusters/kubeconfig-store.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { Engine } from "../../lib/engine/engine.ts";
import { createLog } from "../../lib/log.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { grantResources } from "../support/rbac.ts";
import { adminKubeConfig, eventually, secretsClient, stack, uniqueName } from "../support/stack.ts";
import { spreadNamespace, THREE_API_VERSIONS_SET } from "../support/three-api-versions.ts";

/** A discovery request: the kinds of one apiVersion (/api/v1, /apis/<group>/<version>). */
const DISCOVERY_PATH = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/?$/;

interface UndiciRequest {
  origin?: string;
  method?: string;
  path?: string;
}

/**
 * Watches the discovery requests this process sends to one API server, at the HTTP client (undici's
 * diagnostics channels, which the Kubernetes client's fetch publishes): how many, and how many at once.
 */
function watchDiscovery(server: string) {
  const origin = new URL(server).origin;
  const open = new Set<UndiciRequest>();
  const seen = { requests: 0, mostAtOnce: 0 };
  const isDiscovery = (request: UndiciRequest) =>
    request.method === "GET" &&
    request.origin !== undefined &&
    new URL(request.origin).origin === origin &&
    DISCOVERY_PATH.test(request.path ?? "");
  const created = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    if (!isDiscovery(request)) return;
    seen.requests++;
    open.add(request);
    seen.mostAtOnce = Math.max(seen.mostAtOnce, open.size);
  };
  const ended = (message: unknown) => open.delete((message as { request: UndiciRequest }).request);
  diagnostics.subscribe("undici:request:create", created);
  diagnostics.subscribe("undici:request:headers", ended);
  diagnostics.subscribe("undici:request:error", ended);
  return {
    /** What was seen since the last call, and starts counting afresh. */
    take() {
      const taken = { ...seen };
      seen.requests = 0;
      seen.mostAtOnce = 0;
      return taken;
    },
    stop() {
      diagnostics.unsubscribe("undici:request:create", created);
      diagnostics.unsubscribe("undici:request:headers", ended);
      diagnostics.unsubscribe("undici:request:error", ended);
    },
  };
}

describe("discovery against the local API server", () => {
  const info = stack();
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const raw = admin.makeApiClient(KubernetesObjectApi);
  const log = createLog("tenant-sync-test");
  const run = uniqueName("dc");
  const group = `${run}.tenant-sync.test`;
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${group}` },
  };
  const namespaces: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  let fixture: EngineFixture;
  let watch: ReturnType<typeof watchDiscovery>;
  // One registry, as a warm sync container holds it across invocations.
  let clusters: ClusterRegistry;

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "discovery");
    clusters = new ClusterRegistry(new KubeconfigStore(secretsClient(), { prefix: info.secretPrefix }));
    watch = watchDiscovery(info.apiserver);
  });

  afterAll(async () => {
    watch?.stop();
    await Promise.allSettled([
      ...namespaces.map((name) => core.deleteNamespace({ name })),
      raw.delete(crd),
      ...cleanups.map((cleanup) => cleanup()),
    ]);
    await fixture?.close();
  });

  const engineFor = async (sets: Record<string, Record<string, string>>) =>
    new Engine({
      sets: await fixture.loadSets(writeSets(sets)),
      db: fixture.db,
      source: fixture.source,
      clusters,
      log,
    });
  const phaseOf = async (id: string) => (await readStatus(fixture.db, { tenantKey: id }))[0];

  it("resolves a reconcile's apiVersions once each, in parallel, and the next reconcile asks none", async () => {
    const engine = await engineFor({ spread: THREE_API_VERSIONS_SET });
    const [first, second] = [`${run}-a`, `${run}-b`];
    for (const id of [first, second]) {
      await fixture.insert({ id, slug: id });
      namespaces.push(spreadNamespace(id));
    }
    watch.take();

    await engine.reconcile(first);
    expect((await phaseOf(first))?.phase).toBe("Ready");
    const cold = watch.take();
    expect(cold.requests).toBe(3);
    expect(cold.mostAtOnce).toBeGreaterThan(1);

    await engine.reconcile(second);
    expect((await phaseOf(second))?.phase).toBe("Ready");
    expect(watch.take().requests).toBe(0);
  });

  it("asks again for a kind it was told is not served, so a CRD installed meanwhile is found", async () => {
    const namespace = `${run}-crd`;
    namespaces.push(namespace);
    const engine = await engineFor({
      widgets: {
        "templateset.yaml": `name: widgets\nnamespace: "${namespace}-{{slug}}"\nresources:\n  - id: namespace\n    file: namespace.yaml.mustache\n  - id: widget\n    file: widget.yaml.mustache\n    dependsOn: [namespace]\n`,
        "namespace.yaml.mustache": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{namespace}}\n",
        "widget.yaml.mustache": `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n`,
      },
    });
    const id = `${run}-w`;
    await fixture.insert({ id, slug: "w" });
    namespaces.push(`${namespace}-w`);

    await engine.reconcile(id);
    const before = await phaseOf(id);
    expect(before?.phase).toBe("Failed");
    expect(before?.message).toContain("does not serve kind Widget");

    await raw.create({
      ...crd,
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
              },
            },
          },
        ],
      },
    } as never);
    await eventually("CRD established", async () => {
      const live = (await raw.read(crd as never)) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
    cleanups.push(await grantResources([{ group, resource: "widgets" }]));

    await engine.reconcile(id);
    expect((await phaseOf(id))?.phase).toBe("Ready");
  });
});
