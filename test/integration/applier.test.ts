import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterClient } from "../../lib/kube/cluster-client.ts";
import {
  ANNOTATION_ORPHANED_REASON,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  ownershipLabels,
} from "../../lib/kube/labels.ts";
import { applyObject } from "../../lib/kube/manager/apply.ts";
import { removeObject } from "../../lib/kube/manager/remove.ts";
import { waitReady } from "../../lib/kube/manager/wait.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";
import { DEFAULT_POLICY, type ResourcePolicy } from "../../lib/kube/policy.ts";
import { grantResources } from "../support/rbac.ts";
import { adminKubeConfig, tenantSyncKubeConfig, uniqueName } from "../support/stack.ts";

// The applier runs as tenant-sync, as in production; admin only arranges and inspects.
const kubeconfig = adminKubeConfig();
const client = new ClusterClient("local", tenantSyncKubeConfig());
const core = kubeconfig.makeApiClient(CoreV1Api);
const apps = kubeconfig.makeApiClient(AppsV1Api);
const raw = KubernetesObjectApi.makeApiClient(kubeconfig);
const namespace = uniqueName("applier");
const tenant = "acme";

const context = {
  tenantKey: tenant,
  templateSet: "webapp",
  known: false,
  unchanged: false,
  skipUnchanged: true,
};
const policy = (overrides: Partial<ResourcePolicy> = {}): ResourcePolicy => ({
  ...DEFAULT_POLICY,
  ...overrides,
});

function configMap(name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace, labels: ownershipLabels(tenant, "webapp", name) },
    data,
  };
}

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: ownershipLabels(tenant, "webapp", name) },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
      },
    },
  };
}

/** Another actor (a person with kubectl, an HPA) writing with its own field manager. */
function applyAs(manager: string, object: KubeObject, force = false) {
  return raw.patch(object, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
}

let revokeClusterRoles: () => Promise<void> = async () => {};
beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // ClusterRole is not an example kind: grant it as an operator would for such a template set.
  revokeClusterRoles = await grantResources([
    { group: "rbac.authorization.k8s.io", resource: "clusterroles" },
  ]);
});
afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => {});
  await revokeClusterRoles();
});

describe("applyObject", () => {
  it("creates with our field manager and labels, and a repeat apply of an unchanged object writes nothing", async () => {
    const first = await applyObject(client, configMap("plain", { a: "1" }), policy(), context);
    expect(first).toMatchObject({ state: "applied", wrote: true, created: true });
    const live = await core.readNamespacedConfigMap({ name: "plain", namespace });
    expect(live.metadata?.labels?.[LABEL_MANAGED_BY]).toBe("tenant-sync");
    expect(live.metadata?.managedFields?.map((f) => f.manager)).toEqual(["tenant-sync"]);

    const before = { ...client.counts };
    const again = await applyObject(client, configMap("plain", { a: "1" }), policy(), {
      ...context,
      known: true,
      unchanged: true,
    });
    expect(again).toMatchObject({ state: "applied", wrote: false });
    expect(client.counts.apply).toBe(before.apply);
  });

  it("Stuck reports a conflict with another manager and leaves its value; Force takes the field over", async () => {
    await applyObject(client, configMap("contested", { color: "blue" }), policy(), context);
    await applyAs("kubectl-edit", configMap("contested", { color: "red" }), true);

    const stuck = await applyObject(client, configMap("contested", { color: "green" }), policy(), {
      ...context,
      known: true,
    });
    expect(stuck.state).toBe("conflicted");
    expect(stuck.state === "conflicted" && stuck.message).toMatch(/kubectl-edit/);
    expect((await core.readNamespacedConfigMap({ name: "contested", namespace })).data).toEqual({
      color: "red",
    });

    const forced = await applyObject(
      client,
      configMap("contested", { color: "green" }),
      policy({ conflict: "Force" }),
      {
        ...context,
        known: true,
      },
    );
    expect(forced.state).toBe("applied");
    expect((await core.readNamespacedConfigMap({ name: "contested", namespace })).data).toEqual({
      color: "green",
    });
  });

  it("Once creates when absent and never updates afterwards", async () => {
    const once = policy({ creation: "Once" });
    await applyObject(client, configMap("once", { v: "1" }), once, context);
    const second = await applyObject(client, configMap("once", { v: "2" }), once, {
      ...context,
      known: true,
    });
    expect(second).toMatchObject({ state: "applied", wrote: false });
    expect((await core.readNamespacedConfigMap({ name: "once", namespace })).data).toEqual({ v: "1" });
  });

  it("ignoreFields: replicas set at creation, then left to another controller and never reset", async () => {
    const scaled = policy({ ignoreFields: ["spec.replicas"] });
    await applyObject(client, deployment("web", 2), scaled, context);
    expect((await apps.readNamespacedDeployment({ name: "web", namespace })).spec?.replicas).toBe(2);

    // An HPA scales with its own field manager.
    await applyAs(
      "hpa",
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace },
        spec: { replicas: 7 },
      },
      true,
    );

    const update = deployment("web", 2);
    (
      (update.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
        .containers[0] as {
        image: string;
      }
    ).image = "nginx:1.28";
    const result = await applyObject(client, update, scaled, { ...context, known: true });
    expect(result.state).toBe("applied");
    const live = (await apps.readNamespacedDeployment({ name: "web", namespace })) as V1Deployment;
    expect(live.spec?.replicas).toBe(7);
    expect(live.spec?.template.spec?.containers[0]?.image).toBe("nginx:1.28");
  });

  it("never modifies an object that lacks our labels, or belongs to another tenant", async () => {
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "theirs" }, data: { keep: "me" } },
    });
    const result = await applyObject(
      client,
      configMap("theirs", { keep: "overwritten" }),
      policy({ conflict: "Force" }),
      context,
    );
    expect(result.state).toBe("failed");
    expect(result.state === "failed" && result.message).toMatch(/does not carry the tenant-sync labels/);

    const other = configMap("other-tenant", { x: "1" });
    other.metadata.labels = ownershipLabels("globex", "webapp", "other-tenant");
    await applyObject(client, other, policy(), { ...context, tenantKey: "globex" });
    const clash = await applyObject(client, configMap("other-tenant", { x: "2" }), policy(), context);
    expect(clash.state === "failed" && clash.message).toMatch(/belongs to tenant label globex/);
    expect((await core.readNamespacedConfigMap({ name: "theirs", namespace })).data).toEqual({ keep: "me" });
    expect((await core.readNamespacedConfigMap({ name: "other-tenant", namespace })).data).toEqual({
      x: "1",
    });
  });

  it("applies cluster-scoped kinds (RBAC ClusterRole)", async () => {
    const name = uniqueName("tenant-reader");
    const role: KubeObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels: ownershipLabels(tenant, "webapp", "reader") },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
    };
    expect((await client.mapping(role.apiVersion, role.kind)).namespaced).toBe(false);
    expect(await applyObject(client, role, policy(), context)).toMatchObject({ state: "applied" });
    expect(
      await removeObject(
        client,
        { apiVersion: role.apiVersion, kind: role.kind, name },
        {
          tenantKey: tenant,
          deletion: "Delete",
          reason: "test",
        },
      ),
    ).toEqual({ state: "deleted" });
  });
});

describe("readiness", () => {
  it("waits for a Deployment until its status says the replicas are available", async () => {
    const applied = await applyObject(client, deployment("slow", 1), policy(), context);
    if (applied.state !== "applied") throw new Error(JSON.stringify(applied));
    const timedOut = await waitReady(client, applied.live, 1);
    expect(timedOut.state).toBe("failed");
    expect(timedOut.state === "failed" && timedOut.reason).toMatch(/not ready after 1s/);

    const waiting = waitReady(client, applied.live, 30);
    const live = await apps.readNamespacedDeployment({ name: "slow", namespace });
    await apps.replaceNamespacedDeploymentStatus({
      name: "slow",
      namespace,
      body: {
        ...live,
        status: {
          observedGeneration: live.metadata?.generation,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      },
    });
    expect(await waiting).toEqual({ state: "ready" });
  });
});

describe("removeObject", () => {
  it("Retain strips our labels and marks the object orphaned with the reason; Delete removes it", async () => {
    await applyObject(client, configMap("kept", { a: "1" }), policy(), context);
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace, name: "kept" };
    expect(
      await removeObject(client, ref, { tenantKey: tenant, deletion: "Retain", reason: "tenant deleted" }),
    ).toEqual({
      state: "retained",
    });
    const kept = await core.readNamespacedConfigMap({ name: "kept", namespace });
    expect(kept.data).toEqual({ a: "1" });
    expect(kept.metadata?.labels?.[LABEL_TENANT]).toBeUndefined();
    expect(kept.metadata?.annotations?.[ANNOTATION_ORPHANED_REASON]).toBe("tenant deleted");
    // No longer ours: a later delete leaves it alone.
    expect(await removeObject(client, ref, { tenantKey: tenant, deletion: "Delete", reason: "x" })).toEqual({
      state: "not-owned",
    });

    await applyObject(client, configMap("gone", { a: "1" }), policy(), context);
    const goneRef = { ...ref, name: "gone" };
    expect(
      await removeObject(client, goneRef, { tenantKey: tenant, deletion: "Delete", reason: "x" }),
    ).toEqual({
      state: "deleted",
    });
    expect(
      await removeObject(client, goneRef, { tenantKey: tenant, deletion: "Delete", reason: "x" }),
    ).toEqual({
      state: "absent",
    });
  });
});
