import type { Queryable } from "../../db/queryable.ts";
import {
  type Phase,
  readRecentStatus,
  readStatus,
  type StoredStatus,
  statusSummary,
  tenantReadiness,
} from "../../db/status-store.ts";

/** Ready and Deleted are where a tenant's set should end up; every other phase needs a look. */
export const isSettled = (phase: Phase) => phase === "Ready" || phase === "Deleted";

/**
 * One set of a tenant as `status` shows it: its stored row (templateVersion is the set's version this tenant
 * was last reconciled with), and the version the templates folder holds now.
 */
export interface SetStatusView
  extends Pick<
    StoredStatus,
    | "templateSet"
    | "phase"
    | "desired"
    | "ready"
    | "failed"
    | "skipped"
    | "message"
    | "cluster"
    | "templateVersion"
    | "updatedAt"
    | "lastTransitionAt"
    | "observedAt"
  > {
  /** The set's version in the templates folder now; null when the templates could not be loaded. */
  currentTemplateVersion: string | null;
}

export interface TenantStatusView {
  tenant: string;
  /** Every set is Ready (or Deleted), and there is at least one. */
  ready: boolean;
  sets: SetStatusView[];
}

export async function tenantStatus(
  db: Queryable,
  tenant: string,
  currentVersions: ReadonlyMap<string, string> | undefined,
): Promise<TenantStatusView> {
  const rows = await readStatus(db, { tenantKey: tenant });
  return {
    tenant,
    ready: rows.length > 0 && rows.every((row) => isSettled(row.phase)),
    sets: rows.map((row) => ({
      templateSet: row.templateSet,
      phase: row.phase,
      desired: row.desired,
      ready: row.ready,
      failed: row.failed,
      skipped: row.skipped,
      message: row.message,
      cluster: row.cluster,
      templateVersion: row.templateVersion,
      currentTemplateVersion: currentVersions?.get(row.templateSet) ?? null,
      updatedAt: row.updatedAt,
      lastTransitionAt: row.lastTransitionAt,
      observedAt: row.observedAt,
    })),
  };
}

export interface FleetStatusView {
  /** Tenants with at least one status row. */
  tenants: number;
  /** Tenants with a set in a phase other than Ready or Deleted. */
  tenantsNotReady: number;
  /** Status rows (tenant × set) per phase; every phase is present. */
  phases: Record<Phase, number>;
  /** The latest Failed or Conflicted rows, newest first. */
  recentFailures: Pick<
    StoredStatus,
    "tenantKey" | "templateSet" | "phase" | "message" | "cluster" | "updatedAt" | "lastTransitionAt"
  >[];
}

export const RECENT_FAILURES = 10;
const FAILED_PHASES: readonly Phase[] = ["Failed", "Conflicted"];

export async function fleetStatus(db: Queryable): Promise<FleetStatusView> {
  const [readiness, phases, recent] = await Promise.all([
    tenantReadiness(db),
    statusSummary(db),
    readRecentStatus(db, { phases: FAILED_PHASES, limit: RECENT_FAILURES }),
  ]);
  return {
    tenants: readiness.tenants,
    tenantsNotReady: readiness.notReady,
    phases,
    recentFailures: recent.map((row) => ({
      tenantKey: row.tenantKey,
      templateSet: row.templateSet,
      phase: row.phase,
      message: row.message,
      cluster: row.cluster,
      updatedAt: row.updatedAt,
      lastTransitionAt: row.lastTransitionAt,
    })),
  };
}
