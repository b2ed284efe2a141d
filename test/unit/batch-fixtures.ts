import type { TenantOutcome } from "../../lib/engine/outcome.ts";

/** A reconcile's outcome with nothing applied: what batch tests hand back from their stand-in reconcile. */
export const outcome = (tenantKey: string, retryable = false): TenantOutcome => ({
  tenantKey,
  action: "apply",
  cluster: "local",
  sets: [],
  pruned: 0,
  retryable,
  writes: 0,
});
