import { RolloutVersions } from "../rollout/version-resolver.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { Sweeper } from "./sweep.ts";

/** A Sweeper on a function's runtime: its database, source, templates, clusters, engine and queue. */
export function sweeperFor(runtime: Runtime): Sweeper {
  return new Sweeper({
    db: runtime.db,
    source: runtime.source,
    sets: runtime.sets,
    clusters: runtime.clusters,
    log: runtime.log,
    engine: runtime.engine,
    // As the runtime's engine has it: a tenant a rollout keeps on an older set version is neither drifted
    // nor an owner of orphans because the new version renders differently.
    versionResolver: new RolloutVersions({ db: runtime.db, log: runtime.log }),
    sqs: runtime.sqs,
    ...(runtime.config.queueUrl ? { queueUrl: runtime.config.queueUrl } : {}),
  });
}
