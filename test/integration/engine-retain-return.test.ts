import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import {
  ANNOTATION_ORPHANED_AT,
  ANNOTATION_ORPHANED_REASON,
  ANNOTATION_TENANT_KEY,
  isOwnedBy,
  LABEL_MANAGED_BY,
} from "../../lib/kube/labels.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";

const core = adminKubeConfig().makeApiClient(CoreV1Api);

/** Retained objects outside any namespace of the tenant's own, named from the slug. */
const retainSet = (namespace: string) => ({
  keep: {
    "templateset.yaml": `name: keep
namespace: "${namespace}"
resources:
  - id: kept
    file: kept.yaml.mustache
    deletion: Retain
  - id: seed
    file: seed.yaml.mustache
    creation: Once
    deletion: Retain
`,
    "kept.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: "kept-{{slug}}"
data:
  plan: {{plan}}
`,
    "seed.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: "seed-{{slug}}"
data:
  plan: {{plan}}
`,
  },
});

describe("a tenant with Retain resources that comes back", () => {
  let fixture: EngineFixture;
  const namespace = uniqueName("retain");

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "engine_retain");
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    await fixture?.close();
  });

  const read = (name: string) => core.readNamespacedConfigMap({ name, namespace });

  it("re-adopts the objects it left orphaned for this same tenant", async () => {
    const engine = fixture.engine(await fixture.loadSets(writeSets(retainSet(namespace))));
    await fixture.insert({ id: "back", slug: "back", plan: "basic" });
    expect((await engine.reconcile("back")).sets[0]?.phase).toBe("Ready");
    const uid = (await read("kept-back")).metadata?.uid;

    await fixture.update("back", { active: "false" });
    expect((await engine.reconcile("back")).sets[0]?.phase).toBe("Deleted");
    const orphan = await read("kept-back");
    expect(orphan.metadata?.labels?.[LABEL_MANAGED_BY]).toBeUndefined();
    expect(orphan.metadata?.annotations?.[ANNOTATION_ORPHANED_REASON]).toBe("tenant deactivated");

    await fixture.update("back", { active: "true", plan: "pro" });
    const back = await engine.reconcile("back");
    expect(back.sets[0]?.message ?? null, "the orphan was refused as a foreign object").toBeNull();
    expect(back.sets[0]?.phase).toBe("Ready");
    expect((await readStatus(fixture.db, { tenantKey: "back" }))[0]?.phase).toBe("Ready");
    const kept = await read("kept-back");
    expect(kept.metadata?.uid).toBe(uid);
    expect(isOwnedBy(kept.metadata as never, "back", "keep")).toBe(true);
    expect(kept.metadata?.annotations?.[ANNOTATION_ORPHANED_AT]).toBeUndefined();
    expect(kept.metadata?.annotations?.[ANNOTATION_ORPHANED_REASON]).toBeUndefined();
    expect(kept.data).toEqual({ plan: "pro" });
    // creation: Once is adopted back but, as always, not updated.
    const seed = await read("seed-back");
    expect(isOwnedBy(seed.metadata as never, "back", "keep")).toBe(true);
    expect(seed.metadata?.annotations?.[ANNOTATION_ORPHANED_AT]).toBeUndefined();
    expect(seed.data).toEqual({ plan: "basic" });
    expect((await readInventory(fixture.db, "back")).map((e) => e.resourceId)).toEqual(["kept", "seed"]);

    // And it can leave again, the same way.
    await fixture.remove("back");
    expect((await engine.reconcile("back")).sets[0]?.phase).toBe("Deleted");
    expect((await read("kept-back")).metadata?.annotations?.[ANNOTATION_ORPHANED_REASON]).toBe(
      "tenant deleted",
    );
  });

  it("still refuses another tenant's orphan, and an object without tenant-sync's orphan annotations", async () => {
    const engine = fixture.engine(await fixture.loadSets(writeSets(retainSet(namespace))));
    // A real orphan of tenant "first", whose name tenant "second" renders too.
    await fixture.insert({ id: "first", slug: "shared" });
    expect((await engine.reconcile("first")).sets[0]?.phase).toBe("Ready");
    await fixture.remove("first");
    expect((await engine.reconcile("first")).sets[0]?.phase).toBe("Deleted");
    await fixture.insert({ id: "second", slug: "shared" });
    const second = await engine.reconcile("second");
    expect(second.sets[0]?.phase).toBe("Failed");
    expect(second.sets[0]?.message).toMatch(/kept: .*kept-shared already exists and it does not carry/);
    const foreign = await read("kept-shared");
    expect(foreign.metadata?.labels?.[LABEL_MANAGED_BY]).toBeUndefined();
    expect(foreign.metadata?.annotations?.[ANNOTATION_TENANT_KEY]).toBe("first");

    // Naming the tenant is not enough without the orphan marks tenant-sync sets when it lets go.
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: { name: "kept-hand", annotations: { [ANNOTATION_TENANT_KEY]: "hand" } },
        data: { plan: "by hand" },
      },
    });
    await fixture.insert({ id: "hand", slug: "hand" });
    const hand = await engine.reconcile("hand");
    expect(hand.sets[0]?.phase).toBe("Failed");
    expect(hand.sets[0]?.message).toMatch(/kept: .*kept-hand already exists and it does not carry/);
    const untouched = await read("kept-hand");
    expect(untouched.metadata?.labels?.[LABEL_MANAGED_BY]).toBeUndefined();
    expect(untouched.data).toEqual({ plan: "by hand" });
  });
});
