import { describe, expect, it } from "vitest";
import type { InventoryEntry } from "../../lib/db/inventory-store.ts";
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_TENANT_KEY,
  LABEL_RESOURCE,
  LABEL_TEMPLATE_SET,
  LABEL_TENANT,
  tenantLabelValue,
} from "../../lib/kube/labels.ts";
import type { KubeMetadata } from "../../lib/kube/object-ref.ts";
import type { DesiredIndex, DesiredObject, TenantState } from "../../lib/sweep/desired-index.ts";
import { objectKey } from "../../lib/sweep/object-key.ts";
import { ClusterComparison, emptyPlan } from "../../lib/sweep/plan.ts";
import { emptyCounts } from "../../lib/sweep/result.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";

const C = "c1";
const set = {
  name: "app",
  resources: [
    { id: "ns", creation: "WhenNeeded", deletion: "Delete", dependsOn: [] },
    { id: "cm", creation: "WhenNeeded", deletion: "Retain", dependsOn: ["ns"] },
    { id: "secret", creation: "Once", deletion: "Delete", dependsOn: ["ns"] },
  ],
} as unknown as TemplateSet;

const key = (name: string) => objectKey(C, "v1", "ConfigMap", "n", name);

function want(tenantKey: string, resourceId: string, name: string, hash = "h"): DesiredObject {
  return {
    key: key(name),
    tenantKey,
    templateSet: "app",
    resourceId,
    cluster: C,
    hash,
    once: resourceId === "secret",
  };
}

/** A live object's metadata, as the metadata list returns it. */
function live(
  tenantKey: string | undefined,
  resourceId: string,
  name: string,
  hash?: string,
  extra: { tenantLabel?: string; deleting?: boolean } = {},
): KubeMetadata {
  const label = extra.tenantLabel ?? (tenantKey === undefined ? undefined : tenantLabelValue(tenantKey));
  return {
    name,
    namespace: "n",
    labels: {
      ...(label ? { [LABEL_TENANT]: label } : {}),
      [LABEL_TEMPLATE_SET]: "app",
      [LABEL_RESOURCE]: resourceId,
    },
    annotations: {
      ...(tenantKey ? { [ANNOTATION_TENANT_KEY]: tenantKey } : {}),
      ...(hash ? { [ANNOTATION_CONTENT_HASH]: hash } : {}),
    },
    ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  };
}

function recorded(tenantKey: string, resourceId: string, name: string, hash = "h"): InventoryEntry {
  return {
    cluster: C,
    tenantKey,
    templateSet: "app",
    resourceId,
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace: "n",
    name,
    contentHash: hash,
    deletionPolicy: "Delete",
    dependsOn: ["ns"],
    appliedAt: "",
  };
}

function tenant(key: string, options: Partial<TenantState> = {}): TenantState {
  return {
    key,
    active: true,
    cluster: C,
    digest: "",
    sets: new Map([["app", "selected"]]),
    unrenderable: new Set(),
    scopedSets: new Set(["app"]),
    pinned: undefined,
    ...options,
    label: tenantLabelValue(key),
  };
}

function index(tenants: TenantState[], objects: DesiredObject[], invalid: string[] = []): DesiredIndex {
  return {
    tenants: new Map(tenants.map((t) => [t.key, t])),
    invalid: new Map(invalid.map((k) => [k, "bad row"])),
    byLabel: new Map(tenants.map((t) => [tenantLabelValue(t.key), t.key])),
    objects: new Map([[C, new Map(objects.map((o) => [o.key, o]))]]),
    kinds: new Map(),
    deepRows: new Map(),
    clusterErrors: new Map(),
    sourceError: undefined,
    tenantsRead: tenants.length + invalid.length,
    renderFailures: 0,
    desiredObjects: objects.length,
  };
}

function compare(desired: DesiredIndex, liveObjects: KubeMetadata[], inventory: InventoryEntry[]) {
  const plan = emptyPlan();
  const counts = emptyCounts();
  const comparison = new ClusterComparison({ cluster: C, desired, sets: [set] }, plan, counts);
  for (const entry of inventory) comparison.addInventory(entry);
  for (const meta of liveObjects) comparison.addLive("v1", "ConfigMap", meta);
  comparison.finish();
  return { plan, counts };
}

describe("ClusterComparison", () => {
  it("tells missing, deleted by hand, drifted and unrecorded objects apart, and leaves equal ones alone", () => {
    const desired = index(
      [tenant("a")],
      [
        want("a", "cm", "missing"),
        want("a", "cm", "gone"),
        want("a", "cm", "edited"),
        want("a", "cm", "bare"),
        want("a", "cm", "lagging"),
        want("a", "cm", "fine"),
        want("a", "secret", "once", "new"),
      ],
    );
    const { plan, counts } = compare(
      desired,
      [
        live("a", "cm", "edited", "other"),
        live("a", "cm", "bare"),
        live("a", "cm", "lagging", "h"),
        live("a", "cm", "fine", "h"),
        live("a", "secret", "once", "old"),
      ],
      [
        recorded("a", "cm", "gone"),
        recorded("a", "cm", "edited"),
        recorded("a", "cm", "bare"),
        recorded("a", "cm", "lagging", "older"),
        recorded("a", "cm", "fine"),
        recorded("a", "secret", "once", "new"),
      ],
    );
    expect(counts).toMatchObject({ missing: 1, deletedByHand: 1, drifted: 2, unrecorded: 1, orphans: 0 });
    expect(
      plan.repairs
        .get("a")
        ?.marks.map((m) => m.reason)
        .sort(),
    ).toEqual(["deleted-by-hand", "drifted", "drifted"]);
    expect(plan.orphans).toEqual([]);
    expect(plan.staleInventory.size).toBe(0);
  });

  it("names why each orphan is one, and protects invalid rows, unrenderable resources and undecidable selectors", () => {
    const desired = index(
      [
        tenant("paused", { active: false }),
        tenant("moved", { cluster: "c2" }),
        tenant("dropped", { sets: new Map([["app", "unselected"]]) }),
        tenant("broken", { unrenderable: new Set(["app\u0000cm"]) }),
        tenant("unsure", { sets: new Map([["app", "error"]]) }),
        tenant("renamed"),
      ],
      [want("renamed", "cm", "new-name")],
      ["invalid"],
    );
    const { plan, counts } = compare(
      desired,
      [
        live("deleted", "cm", "o1"),
        live("paused", "cm", "o2"),
        live("moved", "cm", "o3"),
        live("dropped", "cm", "o4"),
        live("renamed", "gone-resource", "o5"),
        live("renamed", "cm", "old-name"),
        live("invalid", "cm", "o6"),
        live("broken", "cm", "o7"),
        live("unsure", "cm", "o8"),
        live(undefined, "cm", "o9", undefined, { tenantLabel: "k-0123" }),
        live("renamed", "cm", "new-name", "h"),
        live("deleted", "cm", "o10", undefined, { deleting: true }),
      ],
      [recorded("deleted", "cm", "o1")],
    );
    const reasons = Object.fromEntries(plan.orphans.map((o) => [o.object.name, o.reason]));
    expect(reasons).toEqual({
      o1: "tenant deleted",
      o2: "tenant deactivated",
      o3: "tenant moved to cluster c2",
      o4: "template set no longer selects this tenant",
      o5: "resource gone-resource removed from template set",
      "old-name": "resource cm now renders another object",
    });
    expect(counts).toMatchObject({ protected: 3, unattributable: 1, unrecorded: 1 });
    // Deletion policy from the inventory when it has the object, else from the template.
    const o1 = plan.orphans.find((o) => o.object.name === "o1");
    expect(o1).toMatchObject({
      deletion: "Delete",
      dependsOn: ["ns"],
      inventoryKey: { resourceId: "cm" },
      wholeSet: true,
    });
    expect(plan.orphans.find((o) => o.object.name === "o2")).toMatchObject({
      deletion: "Retain",
      inventoryKey: undefined,
    });
    expect(plan.orphans.find((o) => o.object.name === "o5")).toMatchObject({
      deletion: "Delete",
      wholeSet: false,
    });
    expect([...plan.managedTenants].sort()).toEqual(
      ["broken", "deleted", "dropped", "invalid", "moved", "paused", "renamed", "unsure"].sort(),
    );
  });

  it("drops inventory entries of objects that exist nowhere and are wanted nowhere, except protected ones", () => {
    const desired = index([tenant("a")], [want("a", "cm", "wanted")], ["invalid"]);
    const { plan } = compare(
      desired,
      [],
      [recorded("gone", "cm", "x"), recorded("invalid", "cm", "y"), recorded("a", "cm", "wanted")],
    );
    expect([...plan.staleInventory]).toEqual([
      ["gone", [{ templateSet: "app", resourceId: "cm", cluster: C }]],
    ]);
  });

  it("does not take another tenant's object at a desired place for drift", () => {
    const desired = index([tenant("a"), tenant("b")], [want("a", "cm", "shared")]);
    const { plan, counts } = compare(desired, [live("b", "cm", "shared", "h")], []);
    expect(counts.foreign).toBe(1);
    expect(counts.drifted).toBe(0);
    expect(plan.orphans.map((o) => `${o.tenantKey} ${o.reason}`)).toEqual([
      "b resource cm now renders another object",
    ]);
  });
});
