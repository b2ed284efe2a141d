import { DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ClusterRegistry } from "../../lib/clusters/cluster-registry.ts";
import { KubeconfigStore, putKubeconfigSecret } from "../../lib/clusters/kubeconfig-store.ts";
import { statusCode } from "../../lib/kube/api-errors.ts";
import { registerSecret } from "../support/secret-registry.ts";
import { adminKubeConfig, secretsClient, stack, uniqueName } from "../support/stack.ts";

const admin = adminKubeConfig();
const core = admin.makeApiClient(CoreV1Api);
const rbac = admin.makeApiClient(RbacAuthorizationV1Api);

/** A kubeconfig for the local API server whose user is a bearer token, as a user would store it. */
function tokenKubeconfig(token: string): string {
  const cluster = admin.getCurrentCluster();
  if (!cluster?.caData) throw new Error("the admin kubeconfig has no embedded CA");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "local", cluster: { server: cluster.server, "certificate-authority-data": cluster.caData } },
    ],
    users: [{ name: "tenant-sync", user: { token } }],
    contexts: [{ name: "tenant-sync", context: { cluster: "local", user: "tenant-sync" } }],
    "current-context": "tenant-sync",
  });
}

const namespacesOf = async (store: KubeconfigStore, cluster: string) =>
  (await (await store.get(cluster)).makeApiClient(CoreV1Api).listNamespace()).items.map(
    (ns) => ns.metadata?.name,
  );

describe("KubeconfigStore against the local API server and Secrets Manager", () => {
  const info = stack();
  const secrets = secretsClient();
  const name = uniqueName("ks");
  const clusters = [`${name}-token`, `${name}-rotate`];
  let token = "";

  beforeAll(async () => {
    // A service account that may only read namespaces, with a token from the TokenRequest API (served by the
    // API server itself; no token controller needed).
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: "reader" } } });
    await rbac.createClusterRole({
      body: {
        metadata: { name },
        rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list"] }],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace: name }],
      },
    });
    const request = await core.createNamespacedServiceAccountToken({
      name: "reader",
      namespace: name,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    token = request.status?.token ?? "";
    expect(token).not.toBe("");
    registerSecret("bearer token", token);
  });

  afterAll(async () => {
    await Promise.allSettled([
      ...clusters.map((cluster) =>
        secrets.send(
          new DeleteSecretCommand({
            SecretId: `${info.secretPrefix}${cluster}`,
            ForceDeleteWithoutRecovery: true,
          }),
        ),
      ),
      rbac.deleteClusterRoleBinding({ name }),
      rbac.deleteClusterRole({ name }),
      core.deleteNamespace({ name }),
    ]);
  });

  it("a bearer-token kubeconfig stored in Secrets Manager lists namespaces, with exactly that identity", async () => {
    const [cluster] = clusters as [string];
    await putKubeconfigSecret(secrets, cluster, tokenKubeconfig(token), info.secretPrefix);
    const store = new KubeconfigStore(secrets, { prefix: info.secretPrefix });
    expect(await namespacesOf(store, cluster)).toEqual(expect.arrayContaining(["default", name]));
    // The narrow role is what the server sees: reading secrets is forbidden.
    const config = await store.get(cluster);
    const denied = await config
      .makeApiClient(CoreV1Api)
      .listNamespacedSecret({ namespace: name })
      .then(
        () => 200,
        (error) => statusCode(error),
      );
    expect(denied).toBe(403);
  });

  it("the client-certificate kubeconfig of the stack keeps working", async () => {
    const store = new KubeconfigStore(secrets, { prefix: info.secretPrefix });
    expect(await namespacesOf(store, info.clusterName)).toEqual(expect.arrayContaining(["kube-system"]));
  });

  it("a rotated secret takes effect after the TTL, without a restart", async () => {
    const [, cluster] = clusters as [string, string];
    registerSecret("bearer token", "revoked-token-value");
    await putKubeconfigSecret(secrets, cluster, tokenKubeconfig("revoked-token-value"), info.secretPrefix);
    let now = Date.now();
    const store = new KubeconfigStore(secrets, { prefix: info.secretPrefix, ttlMs: 300_000, now: () => now });
    const registry = new ClusterRegistry(store);

    const before = await store.get(cluster);
    const rejected = await before
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .then(
        () => 200,
        (error) => statusCode(error),
      );
    expect(rejected).toBe(401);
    const clientBefore = await registry.client(cluster);

    // Rotate: the new value is in Secrets Manager, but the cached kubeconfig is still within its TTL.
    await putKubeconfigSecret(secrets, cluster, tokenKubeconfig(token), info.secretPrefix);
    now += 299_000;
    expect(await store.get(cluster)).toBe(before);
    expect(await registry.client(cluster)).toBe(clientBefore);

    // Past the TTL the new secret is read: a new KubeConfig, a new client, and requests succeed.
    now += 2_000;
    const after = await store.get(cluster);
    expect(after).not.toBe(before);
    expect(after.getCurrentUser()?.token).toBe(token);
    expect(await registry.client(cluster)).not.toBe(clientBefore);
    expect(await namespacesOf(store, cluster)).toEqual(expect.arrayContaining([name]));
  });
});
