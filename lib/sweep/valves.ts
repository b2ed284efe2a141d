import type { SweepOptions } from "./options.ts";

export interface ValveInput {
  /** Set when the source could not be read to the end. */
  sourceError: string | undefined;
  /** Rows the source returned (active, inactive and invalid). */
  tenantsRead: number;
  liveObjects: number;
  managedTenants: number;
  /** Tenants the plan would delete objects of. */
  orphanTenants: number;
  orphans: number;
}

const OVERRIDE = 'run the sweep once with {"allowMassDelete": true}';

/**
 * Whether the sweep's deletions must be held back, and why, in words that give the numbers and the way
 * out. An unreadable source is never overridable: there is no plan to let through. Repairs are not valves'
 * business: they only re-apply what existing tenants' rows ask for.
 */
export function holdReason(input: ValveInput, options: SweepOptions): string | undefined {
  if (input.sourceError !== undefined) {
    return `${input.sourceError}; nothing was deleted or repaired. Fix the source (table, view, credentials); the next run plans again.`;
  }
  if (options.allowMassDelete) return undefined;
  if (input.tenantsRead === 0 && input.liveObjects > 0) {
    return (
      `the tenant source returned no rows while ${input.liveObjects} managed objects of ` +
      `${input.managedTenants} tenants exist; nothing was deleted. If every tenant really is gone, ${OVERRIDE}.`
    );
  }
  const share = input.managedTenants === 0 ? 0 : input.orphanTenants / input.managedTenants;
  if (input.orphanTenants > options.maxDeleteTenants || share > options.maxDeleteShare) {
    return (
      `the plan would delete ${input.orphans} objects of ${input.orphanTenants} of ${input.managedTenants} ` +
      `managed tenants (${percent(share)}), over the limit of ${percent(options.maxDeleteShare)} or ` +
      `${options.maxDeleteTenants} tenants; nothing was deleted. Check the plan with {"dryRun": true}; ` +
      `if it is right, ${OVERRIDE}.`
    );
  }
  return undefined;
}

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
