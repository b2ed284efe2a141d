import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { DEFAULT_SECRET_PREFIX } from "../clusters/secret-name.ts";
import { clusterRegistry } from "../runtime/parts.ts";

/** Cluster clients as the functions get them: kubeconfigs from Secrets Manager by cluster name. */
export function cliClusters(secretPrefix: string | undefined): ClusterRegistry {
  return clusterRegistry({ secretPrefix: secretPrefix || DEFAULT_SECRET_PREFIX });
}
