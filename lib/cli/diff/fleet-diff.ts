import pLimit from "p-limit";
import { addToSummary, type DiffSummary, emptySummary, hasDifferences, hasErrors } from "./summary.ts";
import { type DiffDeps, diffTenant, invalidTenantDiff, type TenantDiff } from "./tenant-diff.ts";

export interface FleetDiffOptions {
  setName?: string;
  /** Tenants diffed at once. */
  tenantConcurrency: number;
  /** Keep tenants whose objects all match (and their unchanged objects); otherwise only counted. */
  keepUnchanged: boolean;
  onTenant?: (diff: TenantDiff) => void;
}

/**
 * Diffs every tenant of the source table, page by page (keyset pagination, so the table can change
 * meanwhile). Rows that cannot be read are reported as such. Tenants without differences are only counted
 * unless asked for, so memory stays small on a large fleet.
 */
export async function diffFleet(
  deps: DiffDeps,
  options: FleetDiffOptions,
): Promise<{ tenants: TenantDiff[]; summary: DiffSummary }> {
  const summary = emptySummary();
  const tenants: TenantDiff[] = [];
  const limit = pLimit(options.tenantConcurrency);
  const keep = (diff: TenantDiff) => {
    addToSummary(summary, diff);
    options.onTenant?.(diff);
    const objects = options.keepUnchanged
      ? diff.objects
      : diff.objects.filter((o) => o.status !== "unchanged");
    if (options.keepUnchanged || hasDifferences(diff) || hasErrors(diff)) tenants.push({ ...diff, objects });
  };
  const invalid: TenantDiff[] = [];
  for await (const page of deps.source.pageTenants({
    pageSize: 200,
    onInvalid: ({ key, error }) => invalid.push(invalidTenantDiff(key, error.message)),
  })) {
    for (const diff of invalid.splice(0)) keep(diff);
    const diffs = page.map((record) =>
      limit(() => diffTenant(deps, record.key, { record, setName: options.setName })),
    );
    for (const pending of diffs) keep(await pending);
  }
  for (const diff of invalid.splice(0)) keep(diff);
  return { tenants, summary };
}
