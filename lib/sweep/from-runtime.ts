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
    sqs: runtime.sqs,
    ...(runtime.config.queueUrl ? { queueUrl: runtime.config.queueUrl } : {}),
  });
}
