import { EXIT, type ExitCode, worstExit } from "../exit-codes.ts";
import type { DiffStatus } from "./object-diff.ts";
import type { TenantDiff } from "./tenant-diff.ts";

export interface DiffSummary {
  tenants: number;
  tenantsWithDifferences: number;
  tenantsWithErrors: number;
  create: number;
  change: number;
  unchanged: number;
  prune: number;
  error: number;
}

export const emptySummary = (): DiffSummary => ({
  tenants: 0,
  tenantsWithDifferences: 0,
  tenantsWithErrors: 0,
  create: 0,
  change: 0,
  unchanged: 0,
  prune: 0,
  error: 0,
});

const DIFFERENCES: readonly DiffStatus[] = ["create", "change", "prune"];

export const hasDifferences = (diff: TenantDiff) => diff.objects.some((o) => DIFFERENCES.includes(o.status));
export const hasErrors = (diff: TenantDiff) =>
  diff.error !== null || diff.objects.some((o) => o.status === "error");

/** Adds one tenant's counts to the summary. */
export function addToSummary(summary: DiffSummary, diff: TenantDiff): void {
  summary.tenants++;
  if (hasDifferences(diff)) summary.tenantsWithDifferences++;
  if (hasErrors(diff)) summary.tenantsWithErrors++;
  for (const object of diff.objects) summary[object.status]++;
}

/**
 * 1 when some part could not be diffed (cluster or database unavailable), 2 when the templates or a row
 * would fail to apply (render errors, conflicts, objects owned by someone else, rejected objects), 3 when
 * there are differences, 0 when the cluster already matches.
 */
export function diffExitCode(diff: TenantDiff): ExitCode {
  const reasons = [diff.error?.reason, ...diff.objects.map((o) => o.reason)].filter((r) => r != null);
  return worstExit(
    reasons.includes("unavailable") ? EXIT.error : EXIT.ok,
    reasons.length > 0 ? EXIT.problems : EXIT.ok,
    hasDifferences(diff) ? EXIT.notReady : EXIT.ok,
  );
}
