import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KubeconfigStore } from "../../lib/clusters/kubeconfig-store.ts";
import { secretsClient, stack } from "../support/stack.ts";

describe("local Secrets Manager (moto)", () => {
  it("returns the cluster's kubeconfig, and a client built from it lists namespaces", async () => {
    const info = stack();
    const store = new KubeconfigStore(secretsClient(), { prefix: info.secretPrefix });
    const config = await store.get(info.clusterName);
    expect(config.getCurrentCluster()?.server).toBe(info.apiserver);
    const namespaces = await config.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((ns) => ns.metadata?.name)).toEqual(
      expect.arrayContaining(["default", "kube-system"]),
    );
  });

  it("names the cluster and secret when a cluster has no kubeconfig, without leaking content", async () => {
    const store = new KubeconfigStore(secretsClient(), { prefix: stack().secretPrefix });
    await expect(store.get("no-such-cluster")).rejects.toThrow(
      "cluster no-such-cluster: no kubeconfig secret named tenant-sync/clusters/no-such-cluster in Secrets Manager",
    );
  });
});
