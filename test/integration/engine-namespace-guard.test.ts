import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStatus } from "../../lib/db/status-store.ts";
import { statusCode } from "../../lib/kube/api-errors.ts";
import { LABEL_TENANT } from "../../lib/kube/labels.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";

const core = adminKubeConfig().makeApiClient(CoreV1Api);

/**
 * Tenant keys that fold to one namespace name, and a second set that writes into the namespace the first
 * creates (as the example monitoring set does): the colliding tenant's Namespace is refused, and its other
 * objects must not land in the owner's namespace either.
 */
const sets = (run: string) => ({
  base: {
    "templateset.yaml": `name: base
namespace: "{{#dnsLabel}}${run}-{{tenant.key}}{{/dnsLabel}}"
resources:
  - id: namespace
    file: namespace.yaml.mustache
  - id: policy
    file: policy.yaml.mustache
    dependsOn: [namespace]
    skipOnDependencyFailure: false
`,
    "namespace.yaml.mustache": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{namespace}}\n",
    "policy.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: "policy-{{#hash8}}{{tenant.key}}{{/hash8}}"
data:
  opens: "{{tenant.key}}"
`,
  },
  extra: {
    "templateset.yaml": `name: extra
namespace: "{{#dnsLabel}}${run}-{{tenant.key}}{{/dnsLabel}}"
resources:
  - id: monitoring
    file: monitoring.yaml.mustache
`,
    "monitoring.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: "monitoring-{{#hash8}}{{tenant.key}}{{/hash8}}"
data:
  tenant: "{{tenant.key}}"
`,
  },
});

describe("no tenant creates objects in another tenant's namespace", () => {
  let fixture: EngineFixture;
  const run = uniqueName("nsg");
  const shared = `${run}-acme`;

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "engine_ns_guard");
    await fixture.insert({ id: "acme", slug: "acme" });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: shared }).catch(() => {});
    await fixture?.close();
  });

  const configMapsIn = async (namespace: string) =>
    (await core.listNamespacedConfigMap({ namespace })).items
      .filter((c) => c.metadata?.name !== "kube-root-ca.crt")
      .map((c) => `${c.metadata?.name} ${c.metadata?.labels?.[LABEL_TENANT]}`)
      .sort();

  it("refuses the colliding tenant's namespaced objects, naming the namespace and its owner", async () => {
    const engine = fixture.engine(await fixture.loadSets(writeSets(sets(run))));
    const owner = await engine.reconcile("acme");
    expect(owner.sets.map((s) => s.phase)).toEqual(["Ready", "Ready"]);
    const before = await configMapsIn(shared);
    expect(before).toHaveLength(2);

    await fixture.insert({ id: "acme-", slug: "acme-" });
    const collider = await engine.reconcile("acme-");
    expect(collider.sets.map((s) => s.phase)).toEqual(["Failed", "Failed"]);
    // Nothing of the colliding tenant in the owner's namespace: no policy, no monitoring object.
    expect(await configMapsIn(shared)).toEqual(before);
    const statuses = await readStatus(fixture.db, { tenantKey: "acme-" });
    const extra = statuses.find((s) => s.templateSet === "extra");
    expect(extra?.message).toContain(`namespace ${shared} belongs to tenant label acme`);
    expect(extra?.message).toContain("monitoring-");

    // The owner is unaffected and still reconciles with nothing to write.
    const again = await engine.reconcile("acme");
    expect(again.sets.map((s) => s.phase)).toEqual(["Ready", "Ready"]);
    expect(again.writes).toBe(0);
    const namespace = await core.readNamespace({ name: shared }).catch((e) => {
      if (statusCode(e) === 404) return undefined;
      throw e;
    });
    expect(namespace?.metadata?.labels?.[LABEL_TENANT]).toBe("acme");
  });

  it("holds when the owner and several colliding tenants reconcile at the same time, round after round", async () => {
    const engine = fixture.engine(await fixture.loadSets(writeSets(sets(run))));
    const colliders = ["acme_", "ACME!", " acme "];
    for (const id of colliders) await fixture.insert({ id, slug: id });
    for (let round = 0; round < 5; round++) {
      // The owner re-applies everything each round (a resync), so its objects are written while the others try.
      const outcomes = await Promise.all([
        engine.reconcile("acme", { skipUnchanged: false }),
        ...colliders.map((id) => engine.reconcile(id, { skipUnchanged: false })),
      ]);
      expect(outcomes[0]?.sets.map((s) => s.phase)).toEqual(["Ready", "Ready"]);
      for (const outcome of outcomes.slice(1)) {
        expect(outcome.sets.map((s) => s.phase)).toEqual(["Failed", "Failed"]);
      }
      // Only the owner's two ConfigMaps, both labelled for the owner.
      expect((await configMapsIn(shared)).every((line) => line.endsWith(" acme"))).toBe(true);
      expect(await configMapsIn(shared)).toHaveLength(2);
    }
  });
});
