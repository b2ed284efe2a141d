import { TenantSyncError } from "../errors.ts";

/** Default prefix of the Secrets Manager secrets holding one kubeconfig per cluster name. */
export const DEFAULT_SECRET_PREFIX = "tenant-sync/clusters/";

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Secret name for a cluster; rejects names that could escape the prefix the IAM policy is scoped to. */
export function clusterSecretName(cluster: string, prefix = DEFAULT_SECRET_PREFIX): string {
  if (!CLUSTER_NAME.test(cluster)) {
    throw new TenantSyncError(
      `cluster name ${JSON.stringify(cluster)} is invalid: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return `${prefix}${cluster}`;
}
