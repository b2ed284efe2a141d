import type { Phase } from "../db/status-store.ts";

/**
 * `progressing`: applied (or due to be, when the invocation's deadline came first) but not ready yet within
 * this invocation; `pending`: not applied yet because a dependency is progressing. Both are looked at again by
 * the recheck (lib/engine/recheck.ts).
 */
export type ResourceState = "ready" | "failed" | "conflicted" | "skipped" | "progressing" | "pending";

/** What a progressing resource waits for, for the status message and the recheck's back-off. */
export interface Awaited {
  /** `apps/v1 Deployment ns/name`. */
  object: string;
  /** Epoch ms its readiness clock started: when this content was applied, in this or an earlier invocation. */
  since: number;
  /** Epoch ms its readiness timeout ends: Failed if it is not ready by then. */
  timeoutAt: number;
  reason: string;
}

export interface ResourceOutcome {
  resourceId: string;
  state: ResourceState;
  /** The API server was unreachable or failing: worth a retry (the queue redelivers). */
  transient: boolean;
  wrote: boolean;
  message?: string;
  /** Set when `progressing`. */
  awaiting?: Awaited;
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

/**
 * The status phase and the message a person reads, from the outcomes of one set's resources: Conflicted or
 * Failed when any resource is, else Progressing while any is still awaited, else Ready.
 */
export function summarize(resources: readonly ResourceOutcome[]): { phase: Phase; message: string | null } {
  const problems = resources.filter((r) => r.state === "failed" || r.state === "conflicted");
  const progressing = resources.filter((r) => r.state === "progressing");
  const pending = resources.filter((r) => r.state === "pending").map((r) => r.resourceId);
  if (problems.length === 0 && progressing.length === 0 && pending.length === 0) {
    return { phase: "Ready", message: null };
  }
  const phase: Phase =
    problems.length === 0
      ? "Progressing"
      : problems.some((r) => r.state === "conflicted")
        ? "Conflicted"
        : "Failed";
  const skipped = resources.filter((r) => r.state === "skipped").map((r) => r.resourceId);
  const lines = problems.slice(0, MAX_MESSAGES).map((r) => `${r.resourceId}: ${r.message ?? r.state}`);
  if (problems.length > MAX_MESSAGES) lines.push(`and ${problems.length - MAX_MESSAGES} more`);
  if (skipped.length > 0) lines.push(`skipped because a dependency is not ready: ${skipped.join(", ")}`);
  lines.push(...progressing.slice(0, MAX_MESSAGES).map(awaitingLine));
  if (progressing.length > MAX_MESSAGES) lines.push(`and ${progressing.length - MAX_MESSAGES} more awaited`);
  if (pending.length > 0) lines.push(`not applied yet: ${pending.join(", ")}`);
  return { phase, message: lines.join("; ") };
}

function awaitingLine(resource: ResourceOutcome): string {
  const awaiting = resource.awaiting;
  if (!awaiting) return `${resource.resourceId}: ${resource.message ?? "not ready yet"}`;
  const since = new Date(awaiting.since).toISOString();
  return `${resource.resourceId}: awaiting readiness of ${awaiting.object} since ${since}: ${awaiting.reason}`;
}
