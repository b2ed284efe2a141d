import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { putKubeconfigSecret } from "../../lib/clusters/kubeconfig-store.ts";
import type { StackConfig } from "./config.ts";
import { secondCluster } from "./kube-clusters.ts";
import { StackError } from "./process.ts";
import { adminKubeconfig } from "./services/kube.ts";
import { secretsManagerEndpoint } from "./services/moto.ts";

/**
 * Stores the second cluster's kubeconfig as `<prefix>local-b`, as production stores one secret per cluster;
 * kept apart from the first cluster's seeding, which may use another identity than admin.
 */
export async function seedSecondClusterSecret(config: StackConfig): Promise<void> {
  const cluster = secondCluster(config);
  const client = new SecretsManagerClient({
    region: config.region,
    endpoint: secretsManagerEndpoint(config),
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    await putKubeconfigSecret(client, cluster.name, adminKubeconfig(config, cluster), config.secretPrefix);
  } catch (error) {
    throw new StackError(
      "moto",
      `storing the kubeconfig secret of cluster ${cluster.name} failed: ${(error as Error).message}`,
    );
  } finally {
    client.destroy();
  }
}
