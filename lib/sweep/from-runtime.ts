import type { RuntimeConfig } from "../config.ts";
import type { VersionResolver } from "../engine/engine.ts";
import { type SweepDeps, Sweeper } from "./sweep.ts";

/**
 * What a sweep uses of the process that runs it (a runtime has this shape): its database, source, templates,
 * clusters and engine, the engine's version resolver, and the queue repairs fan out to.
 */
export interface SweeperPorts extends Pick<SweepDeps, "db" | "source" | "sets" | "clusters" | "log"> {
  engine: NonNullable<SweepDeps["engine"]>;
  sqs: NonNullable<SweepDeps["sqs"]>;
  versions: VersionResolver;
  config: Pick<RuntimeConfig, "queueUrl">;
}

/** A Sweeper on a function's ports. */
export function sweeperFor(ports: SweeperPorts): Sweeper {
  return new Sweeper({
    db: ports.db,
    source: ports.source,
    sets: ports.sets,
    clusters: ports.clusters,
    log: ports.log,
    engine: ports.engine,
    // The engine's own: a tenant a rollout keeps on an older set version is neither drifted nor an owner of
    // orphans because the new version renders differently.
    versionResolver: ports.versions,
    sqs: ports.sqs,
    ...(ports.config.queueUrl ? { queueUrl: ports.config.queueUrl } : {}),
  });
}
