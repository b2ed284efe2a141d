import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { KubeConfig } from "@kubernetes/client-node";
import { loadStackConfig } from "../../infra/stack/config.ts";
import { type StackInfo, stackEnvironment, stackInfoPath } from "../../infra/stack/stack-info.ts";

/** The running local stack, as written by `npm run stack -- up` (the global setup runs it). */
export function stack(): StackInfo {
  const file = stackInfoPath(loadStackConfig().stateDir);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run stack -- up\` first`);
  const info = JSON.parse(fs.readFileSync(file, "utf8")) as StackInfo;
  // Production code builds its AWS clients from the environment; point that environment at the stack.
  Object.assign(process.env, stackEnvironment(info));
  return info;
}

/**
 * Cluster admin, for fixture work the product never does: foreign objects for conflict tests, marking
 * workloads ready, CRDs, RBAC grants and assertions. Product code gets the tenant-sync identity instead.
 */
export function adminKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(stack().adminKubeconfigPath);
  return config;
}

/** The tenant-sync identity (the same kubeconfig as the Secrets Manager secret), for product code under test. */
export function tenantSyncKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(stack().kubeconfigPath);
  return config;
}

/** Clients built the way production builds them: region, endpoint and credentials from the environment. */
export function sqsClient(): SQSClient {
  stack();
  return new SQSClient({});
}

export function secretsClient(): SecretsManagerClient {
  stack();
  return new SecretsManagerClient({});
}

/** A short random suffix so parallel test files never share namespaces, queues or schemas. */
export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
}
