import {
  ApiException,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type V1ConfigMap,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKubeConfig, eventually, uniqueName } from "../support/stack.ts";

const statusOf = (error: unknown) => (error instanceof ApiException ? error.code : undefined);

describe("local Kubernetes control plane", () => {
  const config = adminKubeConfig();
  const core = config.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(config);
  const namespace = uniqueName("smoke");

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  });

  it("server-side applies with a field manager and reports a 409 when a second manager changes the same field", async () => {
    const manifest = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "owned", namespace },
      data: { color: "blue" },
    };
    const applied = await objects.patch<V1ConfigMap>(
      manifest,
      undefined,
      undefined,
      "tenant-sync-smoke",
      undefined,
      PatchStrategy.ServerSideApply,
    );
    expect(applied.data).toEqual({ color: "blue" });
    expect(applied.metadata?.managedFields?.map((field) => field.manager)).toContain("tenant-sync-smoke");

    const rival = { ...manifest, data: { color: "red" } };
    const conflict = await objects
      .patch(rival, undefined, undefined, "someone-else", false, PatchStrategy.ServerSideApply)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(statusOf(conflict)).toBe(409);
    expect(String((conflict as ApiException<string>).body)).toContain("conflict");

    const live = await core.readNamespacedConfigMap({ name: "owned", namespace });
    expect(live.data).toEqual({ color: "blue" });

    const forced = await objects.patch<V1ConfigMap>(
      rival,
      undefined,
      undefined,
      "someone-else",
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(forced.data).toEqual({ color: "red" });
  });

  it("finishes deleting a namespace and its contents (namespace controller runs)", async () => {
    const doomed = uniqueName("doomed");
    await core.createNamespace({ body: { metadata: { name: doomed } } });
    await core.createNamespacedConfigMap({
      namespace: doomed,
      body: { metadata: { name: "inside" }, data: { a: "1" } },
    });
    await core.deleteNamespace({ name: doomed });
    await eventually("namespace to be gone", async () => {
      try {
        await core.readNamespace({ name: doomed });
        return false;
      } catch (error) {
        return statusOf(error) === 404;
      }
    });
  });

  it("cascades deletion from an owner to its dependents (garbage collector runs)", async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "owner" }, data: { role: "owner" } },
    });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: "dependent",
          ownerReferences: [
            { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata?.uid as string },
          ],
        },
        stringData: { role: "dependent" },
      },
    });
    await core.deleteNamespacedConfigMap({ name: "owner", namespace, propagationPolicy: "Background" });
    await eventually("dependent secret to be collected", async () => {
      try {
        await core.readNamespacedSecret({ name: "dependent", namespace });
        return false;
      } catch (error) {
        return statusOf(error) === 404;
      }
    });
  });
});
