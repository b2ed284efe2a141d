import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { KubeConfig } from "@kubernetes/client-node";
import { TenantSyncError } from "../errors.ts";
import { EksTokenError, EksTokenSource } from "./eks-token.ts";
import { type UserAuth, userAuthOf, withBearerToken } from "./kubeconfig-auth.ts";
import { clusterSecretName, DEFAULT_SECRET_PREFIX } from "./secret-name.ts";

export interface KubeconfigStoreOptions {
  prefix?: string;
  /** How long a fetched kubeconfig is reused; a rotated secret takes effect after this. */
  ttlMs?: number;
  now?: () => number;
  /**
   * Makes the tokens of EKS kubeconfigs (exec `aws eks get-token` / `aws-iam-authenticator token`). Default:
   * the AWS SDK's default credentials chain, with this store's clock.
   */
  eksTokens?: EksTokenSource;
  /** Where an EKS exec plugin without --region finds one (AWS_REGION, as Lambda sets it). */
  env?: NodeJS.ProcessEnv;
}

interface Cached {
  config: KubeConfig;
  fetchedAt: number;
  /** The kubeconfig as stored, and how its user authenticates, so an EKS token can be renewed alone. */
  stored: KubeConfig;
  auth: UserAuth;
  /** When the EKS token in `config` is due for renewal (a new KubeConfig object then replaces it). */
  refreshAt: number;
  /** When the EKS token in `config` stops working: until then a failed renewal keeps using it. */
  expiresAt: number;
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
  private readonly env: NodeJS.ProcessEnv;
  private eksTokens: EksTokenSource | undefined;

  constructor(client: SecretsManagerClient, options: KubeconfigStoreOptions = {}) {
    this.client = client;
    this.prefix = options.prefix ?? DEFAULT_SECRET_PREFIX;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.eksTokens = options.eksTokens;
    this.env = options.env ?? process.env;
  }

  /**
   * The cluster's kubeconfig, ready to use: an EKS exec user is replaced by a bearer-token user. A new
   * KubeConfig object is returned when the secret was re-read after the TTL or an EKS token was renewed
   * (ClusterRegistry rebuilds its client on a new object); otherwise the same object as before.
   */
  async get(cluster: string): Promise<KubeConfig> {
    const cached = this.cache.get(cluster);
    const now = this.now();
    const fresh = cached !== undefined && now - cached.fetchedAt < this.ttlMs;
    if (fresh && now < cached.refreshAt) return cached.config;
    let pending = this.inflight.get(cluster);
    if (!pending) {
      pending = (fresh ? this.renew(cluster, cached) : this.fetch(cluster)).finally(() =>
        this.inflight.delete(cluster),
      );
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
        throw new TenantSyncError(
          `cluster ${cluster}: no kubeconfig secret named ${secretId} in Secrets Manager`,
        );
      }
      throw new TenantSyncError(
        `cluster ${cluster}: reading secret ${secretId} failed: ${(error as Error).name}`,
      );
    }
    if (!text) throw new TenantSyncError(`cluster ${cluster}: secret ${secretId} is empty`);
    const config = new KubeConfig();
    try {
      config.loadFromString(text);
    } catch {
      // The parser's message may quote the secret's content, so it is not passed on.
      throw new TenantSyncError(
        `cluster ${cluster}: secret ${secretId} does not hold a valid kubeconfig (YAML or JSON)`,
      );
    }
    if (!config.getCurrentCluster()) {
      throw new TenantSyncError(
        `cluster ${cluster}: kubeconfig in ${secretId} has no current-context cluster`,
      );
    }
    let auth: UserAuth;
    try {
      auth = userAuthOf(config, this.env);
    } catch (error) {
      throw new TenantSyncError(`cluster ${cluster}: kubeconfig in ${secretId}: ${(error as Error).message}`);
    }
    const fetchedAt = this.now();
    const entry: Cached = {
      config,
      fetchedAt,
      stored: config,
      auth,
      refreshAt: Number.POSITIVE_INFINITY,
      expiresAt: Number.NEGATIVE_INFINITY,
    };
    return this.renew(cluster, entry);
  }

  /** Puts a current EKS token into the entry's kubeconfig (a new object), or keeps a static one as it is. */
  private async renew(cluster: string, entry: Cached): Promise<KubeConfig> {
    if (entry.auth.kind === "eks") {
      const { userName, request } = entry.auth;
      this.eksTokens ??= new EksTokenSource({ now: this.now });
      let token: Awaited<ReturnType<EksTokenSource["get"]>>;
      try {
        token = await this.eksTokens.get(request);
      } catch (error) {
        // A hiccup of the credentials source does not stop a cluster while its current token still works.
        if (this.now() < entry.expiresAt) return entry.config;
        // EksTokenError messages name only the EKS cluster and region; anything else is reduced to its kind.
        const reason =
          error instanceof EksTokenError
            ? error.message
            : `making an EKS token failed (${(error as Error)?.name ?? "error"})`;
        throw new TenantSyncError(`cluster ${cluster}: ${reason}`);
      }
      entry = {
        ...entry,
        config: withBearerToken(entry.stored, userName, token.token),
        refreshAt: token.refreshAt,
        expiresAt: token.expiresAt,
      };
    }
    this.cache.set(cluster, entry);
    return entry.config;
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
