// The scheduled sweep: whole-fleet drift repair and orphan cleanup. See docs/sweep.md.
export { sweeperFor } from "./from-runtime.ts";
export { acquireLease, leaseHolder, releaseLease, renewLease } from "./lease.ts";
export { DEFAULT_SWEEP_OPTIONS, type SweepOptions, sweepOptionsFromEnv } from "./options.ts";
export { parseSweepRequest, type SweepRequest, sweepEventSchema } from "./request.ts";
export type { SweepCounts, SweepOutcome, SweepResult } from "./result.ts";
export { readRuns, type StoredRun } from "./run-store.ts";
export { SWEEP_LEASE, type SweepDeps, Sweeper } from "./sweep.ts";
