import fs from "node:fs";
import path from "node:path";
import type { StackConfig } from "./config.ts";
import { kubeClusters } from "./kube-clusters.ts";
import { sqsEndpoint } from "./services/elasticmq.ts";
import { adminKubeconfigPath, apiserverUrl } from "./services/kube.ts";
import { tenantSyncKubeconfigPath } from "./services/kube-identity.ts";
import { mariadbUrl } from "./services/mariadb.ts";
import { secretsManagerEndpoint } from "./services/moto.ts";
import { postgresUrl } from "./services/postgres.ts";

/** What tests, the demo and a person need to reach the local stack; written to .stack/stack.json. */
export interface StackInfo {
  /**
   * The tenant-sync identity (user tenant-sync, only the shipped RBAC in infra/rbac): what the product uses,
   * the same kubeconfig as the Secrets Manager secret; `KUBECONFIG` in env.sh.
   */
  kubeconfigPath: string;
  /** Cluster admin (system:masters): test fixtures and the workload simulator playing kubelet, never the product. */
  adminKubeconfigPath: string;
  apiserver: string;
  clusterName: string;
  secretPrefix: string;
  postgresUrl: string;
  mariadbUrl: string;
  region: string;
  sqsEndpoint: string;
  secretsManagerEndpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  /** Every local cluster by name (the first one is also `clusterName` / `apiserver` / `kubeconfigPath`). */
  clusters: Record<string, StackCluster>;
}

export interface StackCluster {
  apiserver: string;
  /** The tenant-sync identity (shipped RBAC only), the same kubeconfig that `secretName` holds. */
  kubeconfigPath: string;
  /** The admin kubeconfig, for test fixtures and people; the product reads `secretName` from Secrets Manager. */
  adminKubeconfigPath: string;
  secretName: string;
}

export function stackInfo(config: StackConfig): StackInfo {
  const sqs = sqsEndpoint(config);
  return {
    kubeconfigPath: tenantSyncKubeconfigPath(config),
    adminKubeconfigPath: adminKubeconfigPath(config),
    apiserver: apiserverUrl(config),
    clusterName: config.clusterName,
    secretPrefix: config.secretPrefix,
    postgresUrl: postgresUrl(config),
    mariadbUrl: mariadbUrl(config),
    region: config.region,
    sqsEndpoint: sqs,
    secretsManagerEndpoint: secretsManagerEndpoint(config),
    queueUrl: `${sqs}/000000000000/${config.queueName}`,
    deadLetterQueueUrl: `${sqs}/000000000000/${config.deadLetterQueueName}`,
    maxReceiveCount: config.maxReceiveCount,
    clusters: Object.fromEntries(
      kubeClusters(config).map((cluster) => [
        cluster.name,
        {
          apiserver: apiserverUrl(config, cluster),
          kubeconfigPath: tenantSyncKubeconfigPath(config, cluster),
          adminKubeconfigPath: adminKubeconfigPath(config, cluster),
          secretName: `${config.secretPrefix}${cluster.name}`,
        },
      ]),
    ),
  };
}

/** Environment variables that point the AWS SDK and tenant-sync at the local stack. */
export function stackEnvironment(info: StackInfo): Record<string, string> {
  return {
    AWS_REGION: info.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_SQS: info.sqsEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: info.secretsManagerEndpoint,
    TENANT_SYNC_QUEUE_URL: info.queueUrl,
    TENANT_SYNC_SECRET_PREFIX: info.secretPrefix,
    TENANT_SYNC_DATABASE_URL: info.postgresUrl,
    KUBECONFIG: info.kubeconfigPath,
  };
}

export const stackInfoPath = (stateDir: string) => path.join(stateDir, "stack.json");

export function writeStackInfo(config: StackConfig): StackInfo {
  const info = stackInfo(config);
  fs.writeFileSync(stackInfoPath(config.stateDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  const exports = Object.entries(stackEnvironment(info))
    .map(([key, value]) => `export ${key}='${value}'`)
    .join("\n");
  fs.writeFileSync(path.join(config.stateDir, "env.sh"), `${exports}\n`, { mode: 0o600 });
  return info;
}
