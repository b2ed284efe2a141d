import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { KubeconfigStore } from "../clusters/kubeconfig-store.ts";
import { DEFAULT_SECRET_PREFIX } from "../clusters/secret-name.ts";

/** Cluster clients as the functions get them: kubeconfigs from Secrets Manager by cluster name. */
export function cliClusters(secretPrefix: string | undefined): ClusterRegistry {
  return new ClusterRegistry(
    new KubeconfigStore(new SecretsManagerClient({}), { prefix: secretPrefix || DEFAULT_SECRET_PREFIX }),
  );
}
