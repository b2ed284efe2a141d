import fs from "node:fs";
import path from "node:path";
import {
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import type { StackConfig } from "../config.ts";
import { type KubeCluster, primaryCluster } from "../kube-clusters.ts";
import { run, StackError } from "../process.ts";
import { adminKubeconfigPath, binaryPath, embeddedKubeconfig } from "./kube.ts";

/** The identity tenant-sync runs as on the local cluster: user `tenant-sync`, no groups, only the shipped RBAC. */
export const TENANT_SYNC_USER = "tenant-sync";

// Every function takes the cluster; without one it means the first cluster.
const pkiDir = (cluster: KubeCluster) => path.join(cluster.dir, "pki");
export const tenantSyncKubeconfigPath = (config: StackConfig, cluster = primaryCluster(config)) =>
  path.join(cluster.dir, `${TENANT_SYNC_USER}.kubeconfig`);
export const shippedRbacPath = (config: StackConfig) =>
  path.join(config.root, "infra", "rbac", "tenant-sync.yaml");

/** A kubeconfig for the tenant-sync client certificate with everything embedded (it goes to Secrets Manager). */
export const tenantSyncKubeconfig = (config: StackConfig, cluster = primaryCluster(config)) =>
  embeddedKubeconfig(config, cluster, TENANT_SYNC_USER);

/**
 * Makes sure the tenant-sync client certificate exists (a pki dir from before it was introduced gets it added,
 * signed by the CA the running API server trusts) and writes its kubeconfig.
 */
export async function writeTenantSyncKubeconfig(
  config: StackConfig,
  cluster = primaryCluster(config),
): Promise<string> {
  const key = path.join(pkiDir(cluster), `${TENANT_SYNC_USER}.key`);
  if (!fs.existsSync(key)) {
    await run("kube-certs", binaryPath(config), ["certs", "--dir", pkiDir(cluster)]);
  }
  if (!fs.existsSync(key)) {
    throw new StackError(
      "kubernetes",
      `${key} was not created by \`kube-local certs\` (an old binary?); run \`npm run stack -- down\` and \`up\` to rebuild it`,
    );
  }
  const text = tenantSyncKubeconfig(config, cluster);
  fs.writeFileSync(tenantSyncKubeconfigPath(config, cluster), text, { mode: 0o600 });
  return text;
}

/**
 * Server-side applies the shipped ClusterRole and binding with the admin identity, as a cluster operator
 * would once per cluster. Idempotent: an unchanged file changes nothing; forced, so a hand edit is undone.
 */
export async function applyShippedRbac(config: StackConfig, cluster = primaryCluster(config)): Promise<void> {
  const file = shippedRbacPath(config);
  const admin = new KubeConfig();
  admin.loadFromFile(adminKubeconfigPath(config, cluster));
  const api = admin.makeApiClient(KubernetesObjectApi);
  const documents = parseAllDocuments(fs.readFileSync(file, "utf8"))
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
  for (const object of documents) {
    try {
      await api.patch(object, undefined, undefined, "tenant-sync-stack", true, PatchStrategy.ServerSideApply);
    } catch (error) {
      const message = (error as Error).message.split("\n")[0];
      throw new StackError(
        "kubernetes",
        `applying ${object.kind} ${object.metadata?.name} from ${file} to cluster ${cluster.name} failed: ${message}`,
      );
    }
  }
}
