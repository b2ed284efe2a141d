import { AutoscalingV2Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { statusCode } from "../../lib/kube/api-errors.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { grantTemplateKinds } from "../support/rbac.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";

const kubeconfig = adminKubeConfig();
const core = kubeconfig.makeApiClient(CoreV1Api);
const autoscaling = kubeconfig.makeApiClient(AutoscalingV2Api);

/** The same HPA, named by either version of the autoscaling group. */
const hpaSet = (namespace: string, apiVersion: "autoscaling/v1" | "autoscaling/v2") => ({
  scaling: {
    "templateset.yaml": `name: scaling
namespace: "${namespace}"
resources:
  - id: hpa
    file: hpa.yaml.mustache
`,
    "hpa.yaml.mustache": `apiVersion: ${apiVersion}
kind: HorizontalPodAutoscaler
metadata:
  name: "ver-{{id}}"
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: 1
  maxReplicas: {{replicas}}
`,
  },
});

describe("a template that changes only an object's apiVersion", () => {
  let fixture: EngineFixture;
  const namespace = uniqueName("ver");
  let revokeGrant: () => Promise<void> = async () => {};

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "engine_version");
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    await fixture?.close();
    await revokeGrant();
  });

  const readHpa = (name: string) =>
    autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace }).catch((error) => {
      if (statusCode(error) === 404) return undefined;
      throw error;
    });

  it("keeps the object (same UID), prunes nothing and records the new version", async () => {
    const dir = writeSets(hpaSet(namespace, "autoscaling/v2"));
    // HPAs are not among the example kinds: the tenant-sync identity needs them granted.
    revokeGrant = await grantTemplateKinds(dir);
    await fixture.insert({ id: "bump", slug: "bump", replicas: 3 });
    const first = await fixture.engine(await fixture.loadSets(dir)).reconcile("bump");
    expect(first.sets[0]?.phase).toBe("Ready");
    const before = await readHpa("ver-bump");
    expect(before?.metadata?.uid).toBeDefined();

    writeSets(hpaSet(namespace, "autoscaling/v1"), dir);
    const engine = fixture.engine(await fixture.loadSets(dir));
    await fixture.update("bump", { note: "touched" });
    const bumped = await engine.reconcile("bump");
    expect(bumped.sets[0]?.phase).toBe("Ready");
    expect(bumped.pruned, "the object just applied under the new version was pruned").toBe(0);
    expect((await readHpa("ver-bump"))?.metadata?.uid, "the HPA is gone or was recreated").toBe(
      before?.metadata?.uid,
    );
    expect((await readInventory(fixture.db, "bump")).map((e) => [e.resourceId, e.apiVersion])).toEqual([
      ["hpa", "autoscaling/v1"],
    ]);

    // Later changes of the row keep applying it under the new version.
    await fixture.update("bump", { replicas: 4 });
    const later = await engine.reconcile("bump");
    expect(later.pruned).toBe(0);
    const live = await readHpa("ver-bump");
    expect(live?.metadata?.uid).toBe(before?.metadata?.uid);
    expect(live?.spec?.maxReplicas).toBe(4);
    expect((await readStatus(fixture.db, { tenantKey: "bump" }))[0]).toMatchObject({
      phase: "Ready",
      ready: 1,
    });

    // Teardown finds it under the version the inventory now names.
    await fixture.remove("bump");
    const torn = await engine.reconcile("bump");
    expect(torn.sets[0]?.phase).toBe("Deleted");
    expect(await readHpa("ver-bump")).toBeUndefined();
  });
});
