/**
 * The composition root: every function, the local runner (infra/dev) and the CLI get their clients, pools and
 * the engine from here. Features take narrow ports (lib/pipeline/sync/resync.ts, lib/rollout/request.ts,
 * lib/sweep/from-runtime.ts); a Runtime has the shape of each, so it is handed to them whole.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { ClusterRegistry } from "../clusters/cluster-registry.ts";
import { loadRuntimeConfig, type RuntimeConfig } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { TenantSource } from "../db/source.ts";
import { Engine } from "../engine/engine.ts";
import { createLog, type Log } from "../log.ts";
import type { TenantQueue } from "../queue/tenant-queue.ts";
import type { RolloutVersions } from "../rollout/version-resolver.ts";
import { loadTemplateSets } from "../templates/loader.ts";
import type { TemplateSet } from "../templates/model.ts";
import { RuntimeParts } from "./parts.ts";

/** Everything a function, the local runner or the CLI needs, built once and reused across invocations. */
export interface Runtime {
  config: RuntimeConfig;
  db: Database;
  source: TenantSource;
  sets: TemplateSet[];
  clusters: ClusterRegistry;
  versions: RolloutVersions;
  engine: Engine;
  sqs: SQSClient;
  queue: TenantQueue | undefined;
  log: Log;
  close(): Promise<void>;
}

/** The parts with the template sets and the engine on them; the engine opens on first use, like the parts. */
class FunctionRuntime extends RuntimeParts implements Runtime {
  readonly sets: TemplateSet[];
  #engine: Engine | undefined;

  constructor(config: RuntimeConfig, log: Log, sets: TemplateSet[]) {
    super(config, log);
    this.sets = sets;
  }

  get engine(): Engine {
    this.#engine ??= new Engine({
      sets: this.sets,
      db: this.db,
      source: this.source,
      clusters: this.clusters,
      log: this.log,
      concurrency: this.config.concurrency,
      versionResolver: this.versions,
      recheck: this.config.recheck,
    });
    return this.#engine;
  }
}

/** How a function builds its runtime from its configuration; the fault suite passes its own (test/support/faults). */
export type MakeRuntime = (config: RuntimeConfig) => Promise<Runtime>;

export async function createRuntime(
  config: RuntimeConfig = loadRuntimeConfig(),
  log: Log = createLog(),
): Promise<Runtime> {
  return new FunctionRuntime(config, log, await loadTemplateSets(config.templatesDir));
}

/** A function's runtime from its environment (TENANT_SYNC_*); `make` builds it (default createRuntime). */
export async function runtimeFromEnv(
  env: NodeJS.ProcessEnv,
  log: Log,
  make: MakeRuntime = (config) => createRuntime(config, log),
): Promise<Runtime> {
  return make(loadRuntimeConfig(env));
}
