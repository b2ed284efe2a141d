import type { Phase } from "../db/status-store.ts";

export type ResourceState = "ready" | "failed" | "conflicted" | "skipped";

export interface ResourceOutcome {
  resourceId: string;
  state: ResourceState;
  /** The API server was unreachable or failing: worth a retry (the queue redelivers). */
  transient: boolean;
  wrote: boolean;
  message?: string;
}

export interface SetOutcome {
  templateSet: string;
  templateVersion: string;
  phase: Phase;
  resources: ResourceOutcome[];
  message: string | null;
  appliedHash: string | null;
}

export interface TenantOutcome {
  tenantKey: string;
  /** What the row asked for: objects present (`apply`) or gone (`teardown`); `invalid` when it could not be read. */
  action: "apply" | "teardown" | "invalid";
  cluster: string | undefined;
  sets: SetOutcome[];
  pruned: number;
  /** Some failure may heal by itself (network, overload): the caller should retry the message. */
  retryable: boolean;
  writes: number;
}

const MAX_MESSAGES = 3;

/** The status phase and the message a person reads, from the outcomes of one set's resources. */
export function summarize(resources: readonly ResourceOutcome[]): { phase: Phase; message: string | null } {
  const problems = resources.filter((r) => r.state === "failed" || r.state === "conflicted");
  if (problems.length === 0) return { phase: "Ready", message: null };
  const phase: Phase = problems.some((r) => r.state === "conflicted") ? "Conflicted" : "Failed";
  const skipped = resources.filter((r) => r.state === "skipped").map((r) => r.resourceId);
  const lines = problems.slice(0, MAX_MESSAGES).map((r) => `${r.resourceId}: ${r.message ?? r.state}`);
  if (problems.length > MAX_MESSAGES) lines.push(`and ${problems.length - MAX_MESSAGES} more`);
  if (skipped.length > 0) lines.push(`skipped because a dependency is not ready: ${skipped.join(", ")}`);
  return { phase, message: lines.join("; ") };
}
