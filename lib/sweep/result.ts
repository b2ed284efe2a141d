import type { RequestCounts } from "../kube/cluster-client.ts";

/**
 * Done: everything planned was done. Held: deletions were held back by a safety valve (repairs still ran).
 * Failed: part of the fleet could not be swept (a cluster, the queue) or the run broke. DryRun: planned only.
 * Skipped: another sweep holds the lease; this one did nothing.
 */
export type SweepOutcome = "Done" | "Held" | "Failed" | "DryRun" | "Skipped";

/** What a run found (objects, unless named otherwise) and did. */
export interface SweepCounts {
  /** Rows read from the source: active, inactive and invalid together. */
  tenants: number;
  activeTenants: number;
  /** Rows that could not be read as tenants: their objects are neither repaired nor deleted. */
  invalidRows: number;
  /** Resources that do not render for their tenant: their objects are left as they are. */
  renderFailures: number;
  desiredObjects: number;
  liveObjects: number;
  /** Tenants that own at least one live object or inventory entry. */
  managedTenants: number;
  missing: number;
  drifted: number;
  deletedByHand: number;
  /** Live and equal, but the inventory does not say so (the next reconcile records it). */
  unrecorded: number;
  /** At the place of a desired object there is one that another tenant owns (the engine reports it). */
  foreign: number;
  /**
   * Objects a tenant renders that another tenant renders too and owns (by the live object's labels, else
   * the inventory), or that nobody owns yet: never repaired for, nor deleted from, the owner.
   */
  colliding: number;
  deepChecked: number;
  deepCheckedTenants: number;
  deepDrifted: number;
  deepCheckErrors: number;
  orphans: number;
  orphanTenants: number;
  /** Orphans whose tenant row changed while the sweep ran: left for the next run to judge. */
  orphansChangedMeanwhile: number;
  /** Orphans on a tenant's former cluster, kept until its new cluster was swept and needs no repair. */
  orphansAwaitingMove: number;
  /** Objects of invalid rows or unrenderable resources: never deleted by the sweep. */
  protected: number;
  /** Objects with our labels whose tenant cannot be told: reported, never touched. */
  unattributable: number;
  staleInventory: number;
  tenantsToRepair: number;
  /** Tenants with a Failed or Conflicted status row when the run planned. */
  failedTenants: number;
  /** Failing tenants retried this run (enqueued or reconciled inline, counted in those too). */
  retried: number;
  /** Failing tenants retried before whose back-off has not passed yet. */
  retryWaiting: number;
  /** Failing tenants due for a retry beyond retryMaxTenants: the next run takes them first. */
  retryDeferred: number;
  enqueued: number;
  enqueueFailed: number;
  repaired: number;
  repairFailed: number;
  removed: number;
  retained: number;
  removeFailed: number;
  staleInventoryRemoved: number;
}

export const emptyCounts = (): SweepCounts => ({
  tenants: 0,
  activeTenants: 0,
  invalidRows: 0,
  renderFailures: 0,
  desiredObjects: 0,
  liveObjects: 0,
  managedTenants: 0,
  missing: 0,
  drifted: 0,
  deletedByHand: 0,
  unrecorded: 0,
  foreign: 0,
  colliding: 0,
  deepChecked: 0,
  deepCheckedTenants: 0,
  deepDrifted: 0,
  deepCheckErrors: 0,
  orphans: 0,
  orphanTenants: 0,
  orphansChangedMeanwhile: 0,
  orphansAwaitingMove: 0,
  protected: 0,
  unattributable: 0,
  staleInventory: 0,
  tenantsToRepair: 0,
  failedTenants: 0,
  retried: 0,
  retryWaiting: 0,
  retryDeferred: 0,
  enqueued: 0,
  enqueueFailed: 0,
  repaired: 0,
  repairFailed: 0,
  removed: 0,
  retained: 0,
  removeFailed: 0,
  staleInventoryRemoved: 0,
});

/** One tenant to repair and why (categories with the resources concerned). */
export interface PlannedRepair {
  tenant: string;
  reasons: string[];
}

/** One object several tenants render: its owner (if any) and the tenants it collides with. */
export interface PlannedCollision {
  object: string;
  owner: string | undefined;
  tenants: string[];
}

/** One object to remove, and why. */
export interface PlannedRemoval {
  tenant: string;
  cluster: string;
  object: string;
  templateSet: string;
  resourceId: string;
  reason: string;
  deletion: "Delete" | "Retain";
}

export interface SweepResult {
  runId: number | undefined;
  outcome: SweepOutcome;
  /** Why the run was skipped or failed. */
  reason?: string;
  /** Why deletions were held back, with the numbers and how to override. */
  heldReason?: string;
  durationMs: number;
  counts: SweepCounts;
  /** API requests of this run by verb, summed over clusters (deep checks are dry-run applies). */
  requests: RequestCounts;
  /** Requests that changed something in a cluster: applies that were not dry runs, patches, deletes. */
  writes: number;
  deepSlice: number | undefined;
  /** The plan, capped at PLAN_LIMIT entries per list (the counts are complete). */
  plan: {
    repairs: PlannedRepair[];
    removals: PlannedRemoval[];
    collisions: PlannedCollision[];
    truncated: boolean;
  };
  errors: string[];
}

export const PLAN_LIMIT = 1000;
