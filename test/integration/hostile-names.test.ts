import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { LABEL_TENANT, tenantLabelValue } from "../../lib/kube/labels.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";
import { NAMESPACE_TEMPLATE, NAMESPACE_THEN_CONFIG } from "../support/template-sets.ts";

const core = adminKubeConfig().makeApiClient(CoreV1Api);

// Names come from the slug through dnsLabel, so tenants whose slugs differ only in case or punctuation
// render the same namespace and ConfigMap names. The config resource is applied even when the namespace
// failed, so the second tenant really tries to write into the first tenant's objects.
const COLLIDE = {
  "templateset.yaml": `name: collide
namespace: "{{#dnsLabel}}hn-{{slug}}{{/dnsLabel}}"
${NAMESPACE_THEN_CONFIG}    skipOnDependencyFailure: false
`,
  "namespace.yaml.mustache": NAMESPACE_TEMPLATE,
  "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{#dnsLabel}}cfg-{{slug}}{{/dnsLabel}}
data:
  owner: "{{tenant.key}}"
  note: "{{note}}"
`,
};

describe("tenants whose names collide after sanitising", () => {
  let fixture: EngineFixture;
  const run = uniqueName("c");
  const first = `Acme-${run}`;
  const intruders = [`acme-${run}`, `ACME!-${run}`, ` acme ${run} `];
  const namespace = `hn-acme-${run}`;
  const configName = `cfg-acme-${run}`;

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "hostile_names");
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    await fixture?.close();
  });

  const snapshot = async () => {
    const ns = await core.readNamespace({ name: namespace });
    const config = await core.readNamespacedConfigMap({ name: configName, namespace });
    return {
      namespace: { resourceVersion: ns.metadata?.resourceVersion, labels: ns.metadata?.labels },
      config: {
        resourceVersion: config.metadata?.resourceVersion,
        labels: config.metadata?.labels,
        annotations: config.metadata?.annotations,
        data: config.data,
        managers: config.metadata?.managedFields?.map((field) => field.manager).sort(),
      },
    };
  };

  it("the second tenant fails with 'belongs to tenant', and the first tenant's objects stay untouched", async () => {
    const engine = fixture.engine(await fixture.loadSets(writeSets({ collide: COLLIDE })));
    await fixture.insert({ id: first, slug: first, note: "original" });
    const owner = await engine.reconcile(first);
    expect(owner.sets.map((set) => set.phase)).toEqual(["Ready"]);
    const before = await snapshot();
    expect(before.namespace.labels?.[LABEL_TENANT]).toBe(tenantLabelValue(first));
    expect(before.config.data).toEqual({ owner: first, note: "original" });

    for (const intruder of intruders) {
      await fixture.insert({ id: intruder, slug: intruder, note: "intruder" });
      const outcome = await engine.reconcile(intruder);
      const resources = outcome.sets[0]?.resources ?? [];
      expect(resources.map((r) => [r.resourceId, r.state])).toEqual([
        ["namespace", "failed"],
        ["config", "failed"],
      ]);
      for (const resource of resources) {
        expect(resource.message).toMatch(
          new RegExp(
            `already exists and it belongs to tenant label ${tenantLabelValue(first)}; tenant-sync will not modify it`,
          ),
        );
        expect(resource.wrote).toBe(false);
      }
      expect(outcome.retryable).toBe(false);
      const [status] = await readStatus(fixture.db, { tenantKey: intruder });
      expect(status?.phase).toBe("Failed");
      expect(status?.message).toMatch(/belongs to tenant/);
      expect(await readInventory(fixture.db, intruder)).toEqual([]);
      expect(await snapshot()).toEqual(before);
    }

    // Tearing an intruder down removes nothing of the first tenant's: its inventory holds none of them.
    const [intruder] = intruders as [string];
    await fixture.remove(intruder);
    const teardown = await engine.reconcile(intruder);
    expect(teardown.action).toBe("teardown");
    expect(await snapshot()).toEqual(before);

    // And the owner is still in order, with nothing to write.
    const again = await engine.reconcile(first);
    expect(again.sets.map((set) => set.phase)).toEqual(["Ready"]);
    expect(again.writes).toBe(0);
    expect(await snapshot()).toEqual(before);
  });
});
