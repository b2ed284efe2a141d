import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { KubeconfigStore } from "../clusters/kubeconfig-store.ts";
import { loadRuntimeConfig, type RuntimeConfig } from "../config.ts";
import { type Database, openDatabase } from "../db/database.ts";
import { createTenantSource, type TenantSource } from "../db/source.ts";
import { Engine } from "../engine/engine.ts";
import { createLog, type Log } from "../log.ts";
import { RolloutVersions } from "../rollout/version-resolver.ts";
import { loadTemplateSets } from "../templates/loader.ts";
import type { TemplateSet } from "../templates/model.ts";

/** Everything a function, the local runner or the CLI needs, built once and reused across invocations. */
export interface Runtime {
  config: RuntimeConfig;
  db: Database;
  source: TenantSource;
  sets: TemplateSet[];
  clusters: ClusterRegistry;
  engine: Engine;
  sqs: SQSClient;
  log: Log;
  close(): Promise<void>;
}

export async function createRuntime(
  config: RuntimeConfig = loadRuntimeConfig(),
  log: Log = createLog(),
): Promise<Runtime> {
  const sets = await loadTemplateSets(config.templatesDir);
  const db = openDatabase(config.databaseUrl, { poolSize: config.dbPoolSize });
  const source = createTenantSource(db, config.source);
  const clusters = new ClusterRegistry(
    new KubeconfigStore(new SecretsManagerClient({}), {
      prefix: config.secretPrefix,
      ttlMs: config.kubeconfigTtlMs,
    }),
  );
  // Keeps tenants a rollout has not admitted yet on the set version they run (docs/rollout.md).
  const versionResolver = new RolloutVersions({ db, log });
  const engine = new Engine({
    sets,
    db,
    source,
    clusters,
    log,
    concurrency: config.concurrency,
    versionResolver,
  });
  const sqs = new SQSClient({});
  return {
    config,
    db,
    source,
    sets,
    clusters,
    engine,
    sqs,
    log,
    async close() {
      sqs.destroy();
      await db.close();
    },
  };
}

/** A runtime per process, created on first use: warm Lambda containers keep pools, caches and connections. */
export function lazyRuntime(factory: () => Promise<Runtime> = () => createRuntime()): () => Promise<Runtime> {
  let pending: Promise<Runtime> | undefined;
  return () => {
    pending ??= factory().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
