// The apply verb moved to the resource manager (lib/kube/manager/apply.ts); this path stays for
// test/bench/sweep.ts, which creates a fleet the way the engine does.
export { type ApplyContext, type ApplyOutcome, applyObject } from "./manager/apply.ts";
