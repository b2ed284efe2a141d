import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { KubeConfig } from "@kubernetes/client-node";
import { clusterSecretName, DEFAULT_SECRET_PREFIX } from "./secret-name.ts";

export interface KubeconfigStoreOptions {
  prefix?: string;
  /** How long a fetched kubeconfig is reused; a rotated secret takes effect after this. */
  ttlMs?: number;
  now?: () => number;
}

interface Cached {
  config: KubeConfig;
  fetchedAt: number;
}

/**
 * Reads cluster kubeconfigs from Secrets Manager (one secret per cluster name) and caches them in memory
 * only. Errors name the cluster and the secret, never the secret's content.
 */
export class KubeconfigStore {
  private readonly client: SecretsManagerClient;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<KubeConfig>>();

  constructor(client: SecretsManagerClient, options: KubeconfigStoreOptions = {}) {
    this.client = client;
    this.prefix = options.prefix ?? DEFAULT_SECRET_PREFIX;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async get(cluster: string): Promise<KubeConfig> {
    const cached = this.cache.get(cluster);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached.config;
    let pending = this.inflight.get(cluster);
    if (!pending) {
      pending = this.fetch(cluster).finally(() => this.inflight.delete(cluster));
      this.inflight.set(cluster, pending);
    }
    return pending;
  }

  /** Drops a cached kubeconfig, e.g. after the API server rejected its credentials. */
  invalidate(cluster: string): void {
    this.cache.delete(cluster);
  }

  private async fetch(cluster: string): Promise<KubeConfig> {
    const secretId = clusterSecretName(cluster, this.prefix);
    let text: string | undefined;
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      text =
        result.SecretString ??
        (result.SecretBinary ? Buffer.from(result.SecretBinary).toString("utf8") : undefined);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        throw new Error(`cluster ${cluster}: no kubeconfig secret named ${secretId} in Secrets Manager`);
      }
      throw new Error(`cluster ${cluster}: reading secret ${secretId} failed: ${(error as Error).name}`);
    }
    if (!text) throw new Error(`cluster ${cluster}: secret ${secretId} is empty`);
    const config = new KubeConfig();
    try {
      config.loadFromString(text);
    } catch {
      // The parser's message may quote the secret's content, so it is not passed on.
      throw new Error(
        `cluster ${cluster}: secret ${secretId} does not hold a valid kubeconfig (YAML or JSON)`,
      );
    }
    if (!config.getCurrentCluster()) {
      throw new Error(`cluster ${cluster}: kubeconfig in ${secretId} has no current-context cluster`);
    }
    this.cache.set(cluster, { config, fetchedAt: this.now() });
    return config;
  }
}

/** Stores (creates or replaces) a cluster's kubeconfig; used by the local stack and when adding a cluster. */
export async function putKubeconfigSecret(
  client: SecretsManagerClient,
  cluster: string,
  kubeconfig: string,
  prefix = DEFAULT_SECRET_PREFIX,
): Promise<string> {
  const name = clusterSecretName(cluster, prefix);
  try {
    await client.send(new CreateSecretCommand({ Name: name, SecretString: kubeconfig }));
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
    await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: kubeconfig }));
  }
  return name;
}
