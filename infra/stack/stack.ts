import fs from "node:fs";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { putKubeconfigSecret } from "../../lib/clusters/kubeconfig-store.ts";
import type { StackConfig } from "./config.ts";
import { kubeClusters } from "./kube-clusters.ts";
import { assertPortFree, isAlive, logFile, readPid, StackError, stopDaemon } from "./process.ts";
import { elasticmq } from "./services/elasticmq.ts";
import { kube, kubeB } from "./services/kube.ts";
import { applyShippedRbac, writeTenantSyncKubeconfig } from "./services/kube-identity.ts";
import { mariadb } from "./services/mariadb.ts";
import { moto, secretsManagerEndpoint } from "./services/moto.ts";
import { postgres } from "./services/postgres.ts";
import type { Service } from "./services/service.ts";
import { writeStackInfo } from "./stack-info.ts";

export const services: Service[] = [kube, kubeB, postgres, mariadb, elasticmq, moto];

export interface ServiceStatus {
  service: string;
  running: boolean;
  healthy: boolean;
  pids: Record<string, number | null>;
  endpoint: string;
  logs: string[];
}

export async function status(config: StackConfig): Promise<ServiceStatus[]> {
  return Promise.all(
    services.map(async (service) => {
      const pids = Object.fromEntries(service.processes.map((name) => [name, readPid(config, name) ?? null]));
      const running = service.processes.every((name) => isAlive(readPid(config, name)));
      return {
        service: service.name,
        running,
        healthy: running && (await service.healthy(config)),
        pids,
        endpoint: service.endpoint(config),
        logs: service.processes.map((name) => logFile(config, name)),
      };
    }),
  );
}

async function stopService(config: StackConfig, service: Service): Promise<void> {
  for (const name of [...service.processes].reverse()) {
    await stopDaemon(config, name, { signal: service.stopSignals?.[name] });
  }
}

/**
 * Brings one service to healthy: leaves it alone when already healthy, otherwise stops leftovers of an
 * earlier run, checks its ports are free, installs or builds what is missing, and starts it.
 */
async function bringUp(config: StackConfig, service: Service, started: Service[]): Promise<void> {
  const running = service.processes.every((name) => isAlive(readPid(config, name)));
  if (running && (await service.healthy(config))) return;
  await stopService(config, service);
  for (const port of service.ports(config)) await assertPortFree(service.name, config.host, port);
  await service.prepare(config);
  started.push(service);
  await service.start(config);
}

/**
 * For every local cluster: applies the shipped RBAC and stores the tenant-sync kubeconfig (not the admin one)
 * in the local Secrets Manager as `<prefix><cluster>`, as production stores one secret per cluster, so
 * everything that reads it runs with the shipped RBAC only.
 */
async function seedClusterIdentities(config: StackConfig): Promise<void> {
  const client = new SecretsManagerClient({
    region: config.region,
    endpoint: secretsManagerEndpoint(config),
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    for (const cluster of kubeClusters(config)) {
      await applyShippedRbac(config, cluster);
      const kubeconfig = await writeTenantSyncKubeconfig(config, cluster);
      try {
        await putKubeconfigSecret(client, cluster.name, kubeconfig, config.secretPrefix);
      } catch (error) {
        throw new StackError(
          "moto",
          `storing the kubeconfig secret of cluster ${cluster.name} failed: ${(error as Error).message}`,
        );
      }
    }
  } finally {
    client.destroy();
  }
}

export async function up(config: StackConfig): Promise<void> {
  fs.mkdirSync(config.logDir, { recursive: true });
  const started: Service[] = [];
  const results = await Promise.allSettled(services.map((service) => bringUp(config, service, started)));
  const failures = results.flatMap((result) =>
    result.status === "rejected" ? [result.reason as Error] : [],
  );
  if (failures.length === 0) {
    try {
      await seedClusterIdentities(config);
    } catch (error) {
      failures.push(error as Error);
    }
  }
  if (failures.length > 0) {
    // Nothing is left half-started: whatever this run started is stopped again.
    for (const service of started.reverse()) await stopService(config, service);
    throw new AggregateError(failures, failures.map((f) => f.message).join("\n"));
  }
  writeStackInfo(config);
}

export async function down(config: StackConfig): Promise<string[]> {
  const stopped: string[] = [];
  for (const service of [...services].reverse()) {
    for (const name of [...service.processes].reverse()) {
      if (await stopDaemon(config, name, { signal: service.stopSignals?.[name] })) stopped.push(name);
    }
  }
  return stopped;
}
