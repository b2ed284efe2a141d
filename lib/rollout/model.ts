/** The words of a rollout, shared by the store, the planner, the step and the version resolver. */

/**
 * Running: admits a wave whenever the previous one finished. Paused: a person stopped admissions.
 * Halted: more tenants failed than the threshold allows. Done: no tenant is left on the old version.
 * Running, Paused and Halted are "active": tenants not admitted yet stay on the old version.
 */
export const ROLLOUT_STATES = ["Running", "Paused", "Halted", "Done"] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const isRolloutState = (value: unknown): value is RolloutState =>
  (ROLLOUT_STATES as readonly unknown[]).includes(value);

/** One row of tenant_sync_rollouts. */
export interface Rollout {
  id: number;
  templateSet: string;
  fromVersion: string;
  toVersion: string;
  state: RolloutState;
  /** Tenants in progress at once, at most. */
  waveSize: number;
  /** More failed tenants than this halt the rollout. */
  failureThreshold: number;
  /** Number of the last wave admitted; 0 before the first. */
  currentWave: number;
  createdAt: string;
  updatedAt: string;
  /** Why it halted or waits, or how it ended. */
  message: string | null;
}

/** Where a rollout stands, as a step or a status request reports it. */
export interface RolloutSummary {
  id: number;
  set: string;
  fromVersion: string;
  toVersion: string;
  state: RolloutState;
  /** Number of the last wave admitted. */
  wave: number;
  /** Tenants admitted so far, in all waves. */
  admitted: number;
  /** Admitted tenants whose status does not show the new version Ready, Failed or Conflicted yet. */
  inProgress: number;
  /** Admitted tenants Ready on the new version (or gone: row deleted, set no longer selected). */
  done: number;
  /** Admitted tenants Failed or Conflicted on the new version. */
  failed: number;
  /** Tenants still on the old version and not admitted. */
  remaining: number;
  /** The tenants this step admitted (empty for status requests). */
  admittedNow: string[];
  /** Some of the failed tenants, by key, so a person knows where to look. */
  failedTenants: string[];
  message: string | null;
}
