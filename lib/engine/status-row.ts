import type { StatusRecord } from "../db/status-store.ts";
import type { TemplateSet } from "../templates/model.ts";
import type { SetOutcome } from "./outcome.ts";

/** A status row of one tenant × set before anything was applied: all failed, or nothing counted yet. */
export function statusRow(
  tenantKey: string,
  set: TemplateSet,
  cluster: string | null,
  phase: StatusRecord["phase"],
  message: string | null,
): StatusRecord {
  return {
    tenantKey,
    templateSet: set.name,
    phase,
    desired: set.resources.length,
    ready: 0,
    failed: phase === "Failed" ? set.resources.length : 0,
    skipped: 0,
    appliedHash: null,
    templateVersion: set.version,
    message,
    cluster,
  };
}

export function setOutcome(set: TemplateSet, status: StatusRecord): Omit<SetOutcome, "resources"> {
  return {
    templateSet: set.name,
    templateVersion: set.version,
    phase: status.phase,
    message: status.message,
    appliedHash: status.appliedHash,
  };
}
