import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { KubeconfigStore } from "../clusters/kubeconfig-store.ts";
import type { RuntimeConfig } from "../config.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { createTenantSource, type TenantSource } from "../db/source.ts";
import type { Log } from "../log.ts";
import { sqsTenantQueue, type TenantQueue } from "../queue/tenant-queue.ts";
import { RolloutVersions } from "../rollout/version-resolver.ts";

/**
 * The clients and pools of one process (a warm Lambda container, the local runner, a CLI command): the only
 * place they are built. Each opens on first use, so a function holds only what it uses, and all close together.
 */
export class RuntimeParts {
  readonly config: RuntimeConfig;
  readonly log: Log;
  #db: Database | undefined;
  #source: TenantSource | undefined;
  #sqs: SQSClient | undefined;
  #secretsManager: SecretsManagerClient | undefined;
  #clusters: ClusterRegistry | undefined;
  #versions: RolloutVersions | undefined;

  constructor(config: RuntimeConfig, log: Log) {
    this.config = config;
    this.log = log;
  }

  get db(): Database {
    this.#db ??= openDatabase(this.config.databaseUrl, { poolSize: this.config.dbPoolSize });
    return this.#db;
  }

  get source(): TenantSource {
    this.#source ??= createTenantSource(this.db, this.config.source);
    return this.#source;
  }

  get sqs(): SQSClient {
    this.#sqs ??= new SQSClient({});
    return this.#sqs;
  }

  /** The deployment's queue; undefined when TENANT_SYNC_QUEUE_URL is not set (each feature says why it needs one). */
  get queue(): TenantQueue | undefined {
    return this.config.queueUrl ? sqsTenantQueue(this.sqs, this.config.queueUrl) : undefined;
  }

  get secretsManager(): SecretsManagerClient {
    this.#secretsManager ??= new SecretsManagerClient({});
    return this.#secretsManager;
  }

  /** Cluster clients, from one kubeconfig secret per cluster. */
  get clusters(): ClusterRegistry {
    this.#clusters ??= clusterRegistry({
      secretPrefix: this.config.secretPrefix,
      kubeconfigTtlMs: this.config.kubeconfigTtlMs,
      coolDownMs: this.config.clusterCoolDownMs,
      secretsManager: this.secretsManager,
      log: this.log,
    });
    return this.#clusters;
  }

  /**
   * Keeps tenants a rollout has not admitted yet on the set version they run (docs/rollout.md). One per process:
   * the engine and the sweep judge a tenant by the same versions, from the same cache.
   */
  get versions(): RolloutVersions {
    this.#versions ??= new RolloutVersions({ db: this.db, log: this.log });
    return this.#versions;
  }

  async close(): Promise<void> {
    this.#sqs?.destroy();
    this.#secretsManager?.destroy();
    await this.#db?.close();
  }
}

/** Cluster clients on their own, for commands that have a secret prefix but no whole configuration (lib/cli). */
export function clusterRegistry(options: {
  secretPrefix: string;
  kubeconfigTtlMs?: number;
  coolDownMs?: number;
  secretsManager?: SecretsManagerClient;
  log?: Log;
}): ClusterRegistry {
  return new ClusterRegistry(
    new KubeconfigStore(options.secretsManager ?? new SecretsManagerClient({}), {
      prefix: options.secretPrefix,
      ...(options.kubeconfigTtlMs === undefined ? {} : { ttlMs: options.kubeconfigTtlMs }),
    }),
    {
      ...(options.coolDownMs === undefined ? {} : { coolDownMs: options.coolDownMs }),
      ...(options.log === undefined ? {} : { log: options.log }),
    },
  );
}
