import { CoreV1Api, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import type { Dialect } from "../../lib/db/dialect.ts";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { LABEL_TEMPLATE_SET } from "../../lib/kube/labels.ts";
import { DIALECTS } from "../support/databases.ts";
import { writeSets } from "../support/engine.ts";
import { adminKubeConfig } from "../support/stack.ts";
import { SCOPE_LABEL, type SweepWorld, sweepWorld } from "../support/sweep.ts";

const kubeconfig = adminKubeConfig();
const core = kubeconfig.makeApiClient(CoreV1Api);
const raw = KubernetesObjectApi.makeApiClient(kubeconfig);

/**
 * A second template set next to the sweep suite's `app`: a ConfigMap with the default conflict policy
 * (Stuck) and one that depends on it, so a conflict on the first skips the second.
 */
function extraSet(w: SweepWorld): Record<string, string> {
  const configMap = (suffix: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{slug}}-${suffix}
  labels:
    ${SCOPE_LABEL}: "${w.run}"
data:
  plan: "{{plan}}"
`;
  return {
    "templateset.yaml": `name: extra
namespace: "${w.namespace}"
resources:
  - id: base
    file: base.yaml.mustache
  - id: child
    file: child.yaml.mustache
    dependsOn: [base]
`,
    "base.yaml.mustache": configMap("base"),
    "child.yaml.mustache": configMap("child"),
  };
}

describe.each<[Dialect]>(DIALECTS)("sweep with a label selector narrower than the sets, on %s", (dialect) => {
  const worlds: SweepWorld[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
  });

  /** Tenants a and c with both sets; c is Conflicted in `extra` (another manager took a field of base). */
  async function twoSetWorld(prefix: string): Promise<SweepWorld> {
    const w = await sweepWorld(dialect, prefix);
    worlds.push(w);
    writeSets({ extra: extraSet(w) }, w.dir);
    w.sets = await w.fixture.loadSets(w.dir);
    w.engine = w.fixture.engine(w.sets);
    await w.provision("a", "c");
    await raw.patch(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: w.name("c", "base"), namespace: w.namespace },
        data: { plan: "taken" },
      },
      undefined,
      undefined,
      "someone",
      true,
      PatchStrategy.ServerSideApply,
    );
    await w.engine.reconcile("c", { skipUnchanged: false });
    const phases = await readStatus(w.fixture.db, { tenantKey: "c" });
    expect(phases.map((s) => `${s.templateSet} ${s.phase}`).sort()).toEqual([
      "app Ready",
      "extra Conflicted",
    ]);
    return w;
  }

  it("scopes the desired objects and the inventory by the selector, not only the live listing", async () => {
    const w = await twoSetWorld("sw_selector");
    const inventoryBefore = await readInventory(w.fixture.db, "c");
    expect(inventoryBefore.filter((e) => e.templateSet === "extra").map((e) => e.resourceId)).toEqual([
      "base",
      "child",
    ]);

    // The form docs/sweep.md gives, with this test's own scope label.
    const result = await w.sweep({ labelSelector: `${SCOPE_LABEL}=${w.run},${LABEL_TEMPLATE_SET} in (app)` });
    expect(result.counts).toMatchObject({ deletedByHand: 0, missing: 0, drifted: 0, tenantsToRepair: 0 });
    expect(result.outcome).toBe("Done");
    expect(result.counts).toMatchObject({
      desiredObjects: 12,
      liveObjects: 12,
      orphans: 0,
      staleInventory: 0,
    });
    expect(result.writes).toBe(0);
    expect(await readInventory(w.fixture.db, "c")).toEqual(inventoryBefore);
    for (const suffix of ["base", "child"]) {
      const object = await core.readNamespacedConfigMap({
        name: w.name("c", suffix),
        namespace: w.namespace,
      });
      expect(object.metadata?.name).toBe(w.name("c", suffix));
    }

    // Inside the scope, the sweep still repairs: an object of `app` deleted by hand comes back.
    await core.deleteNamespacedConfigMap({ name: w.name("a", "config"), namespace: w.namespace });
    const repair = await w.sweep({ labelSelector: `${SCOPE_LABEL}=${w.run},${LABEL_TEMPLATE_SET}=app` });
    expect(repair.plan.repairs).toEqual([{ tenant: "a", reasons: ["deleted-by-hand app/config"] }]);
    expect(
      (await core.readNamespacedConfigMap({ name: w.name("a", "config"), namespace: w.namespace })).data,
    ).toEqual({ plan: "basic", note: "" });
    expect(await readInventory(w.fixture.db, "c")).toEqual(inventoryBefore);
  });

  it("refuses a selector on a label that neither tenant-sync nor any template sets, naming the selector", async () => {
    const w = await twoSetWorld("sw_selector_refused");
    const inventoryBefore = await readInventory(w.fixture.db, "a");
    const selector = `${SCOPE_LABEL}=${w.run},team=payments`;

    const result = await w.sweep({ labelSelector: selector });
    expect(result.counts).toMatchObject({ deletedByHand: 0, tenantsToRepair: 0, orphans: 0 });
    expect(result.outcome).toBe("Failed");
    expect(result.reason).toContain(`label selector "${selector}"`);
    expect(result.reason).toMatch(
      /label team, which neither tenant-sync nor any template set \(app, extra\) sets/,
    );
    expect(result.writes).toBe(0);
    expect(await readInventory(w.fixture.db, "a")).toEqual(inventoryBefore);
  });
});
