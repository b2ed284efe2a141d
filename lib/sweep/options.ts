import { z } from "zod";
import { parseConfig } from "../config-parse.ts";
import { ConfigError } from "../errors.ts";

/** How one sweep run behaves. Defaults are what a careful operator would choose; see docs/sweep.md. */
export interface SweepOptions {
  /** Plan and report only: nothing is enqueued, repaired or deleted, and no lease is taken. */
  dryRun: boolean;
  /** Let deletions through that the safety valves would hold (a real mass deletion, once). */
  allowMassDelete: boolean;
  /**
   * Repair tenants in this process (engine.reconcile) instead of enqueueing them: for the local runner and
   * tests. The deployed sweep fans out on the queue so that it stays within one Lambda's time and memory.
   */
  inline: boolean;
  /** Hold deletions when they would touch more than this share of the managed tenants (0..1). */
  maxDeleteShare: number;
  /** Hold deletions when they would touch more than this many tenants. */
  maxDeleteTenants: number;
  /** Every tenant is deep-checked once per this many runs (96 runs = one day at one run per 15 minutes). */
  deepCheckPeriod: number;
  /** At most this many tenants are deep-checked per run, however large the fleet (0 turns deep checks off). */
  deepCheckMaxTenants: number;
  /** How long the lease lasts; longer than the sweep's own time limit (Lambda: 900 s). */
  leaseSeconds: number;
  /**
   * Extra label selector terms, ANDed with tenant-sync's own, for clusters that several installations
   * share: only objects that match are listed, so the others are never taken for orphans.
   */
  labelSelector: string | undefined;
  /** Tenants reconciled at once in inline mode, and orphaned tenants removed at once. */
  concurrency: number;
  /**
   * At most this many Failed or Conflicted tenants are retried per run (0 turns retries off), so an outage of
   * the whole fleet does not flood the queue; the rest are retried by the next runs, longest-waiting first.
   */
  retryMaxTenants: number;
  /** A tenant's first retry waits for no back-off; each further one waits this long, doubled per retry... */
  retryBackoffSeconds: number;
  /** ...up to this. */
  retryBackoffMaxSeconds: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = {
  dryRun: false,
  allowMassDelete: false,
  inline: false,
  maxDeleteShare: 0.1,
  maxDeleteTenants: 100,
  deepCheckPeriod: 96,
  deepCheckMaxTenants: 500,
  leaseSeconds: 900,
  labelSelector: undefined,
  concurrency: 8,
  retryMaxTenants: 500,
  retryBackoffSeconds: 60,
  retryBackoffMaxSeconds: 3600,
};

const envSchema = z.object({
  TENANT_SYNC_SWEEP_MAX_DELETE_SHARE: z.coerce.number().min(0).max(1).optional(),
  TENANT_SYNC_SWEEP_MAX_DELETE_TENANTS: z.coerce.number().int().min(0).optional(),
  TENANT_SYNC_SWEEP_DEEP_CHECK_PERIOD: z.coerce.number().int().min(1).optional(),
  TENANT_SYNC_SWEEP_DEEP_CHECK_MAX_TENANTS: z.coerce.number().int().min(0).optional(),
  TENANT_SYNC_SWEEP_LEASE_SECONDS: z.coerce.number().int().min(30).optional(),
  TENANT_SYNC_SWEEP_LABEL_SELECTOR: z.string().min(1).optional(),
  TENANT_SYNC_SWEEP_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  TENANT_SYNC_SWEEP_INLINE: z.enum(["true", "false"]).optional(),
  TENANT_SYNC_SWEEP_RETRY_MAX_TENANTS: z.coerce.number().int().min(0).optional(),
  TENANT_SYNC_SWEEP_RETRY_BACKOFF_SECONDS: z.coerce.number().int().min(1).optional(),
  TENANT_SYNC_SWEEP_RETRY_BACKOFF_MAX_SECONDS: z.coerce.number().int().min(1).optional(),
});

/** The deployment's sweep settings (TENANT_SYNC_SWEEP_*), over the defaults; per-run flags come from the event. */
export function sweepOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SweepOptions {
  const e = parseConfig(envSchema, env, "sweep configuration");
  const d = DEFAULT_SWEEP_OPTIONS;
  return {
    ...d,
    maxDeleteShare: e.TENANT_SYNC_SWEEP_MAX_DELETE_SHARE ?? d.maxDeleteShare,
    maxDeleteTenants: e.TENANT_SYNC_SWEEP_MAX_DELETE_TENANTS ?? d.maxDeleteTenants,
    deepCheckPeriod: e.TENANT_SYNC_SWEEP_DEEP_CHECK_PERIOD ?? d.deepCheckPeriod,
    deepCheckMaxTenants: e.TENANT_SYNC_SWEEP_DEEP_CHECK_MAX_TENANTS ?? d.deepCheckMaxTenants,
    leaseSeconds: e.TENANT_SYNC_SWEEP_LEASE_SECONDS ?? d.leaseSeconds,
    labelSelector: e.TENANT_SYNC_SWEEP_LABEL_SELECTOR ?? d.labelSelector,
    concurrency: e.TENANT_SYNC_SWEEP_CONCURRENCY ?? d.concurrency,
    inline: e.TENANT_SYNC_SWEEP_INLINE === "true",
    retryMaxTenants: e.TENANT_SYNC_SWEEP_RETRY_MAX_TENANTS ?? d.retryMaxTenants,
    retryBackoffSeconds: e.TENANT_SYNC_SWEEP_RETRY_BACKOFF_SECONDS ?? d.retryBackoffSeconds,
    retryBackoffMaxSeconds: e.TENANT_SYNC_SWEEP_RETRY_BACKOFF_MAX_SECONDS ?? d.retryBackoffMaxSeconds,
  };
}

/** Checks options given in code (tests, the runner); the environment's are checked by sweepOptionsFromEnv. */
export function checkSweepOptions(options: SweepOptions): SweepOptions {
  const problems: string[] = [];
  if (!(options.maxDeleteShare >= 0 && options.maxDeleteShare <= 1))
    problems.push(`maxDeleteShare must be from 0 to 1, got ${options.maxDeleteShare}`);
  for (const [name, value, min] of [
    ["maxDeleteTenants", options.maxDeleteTenants, 0],
    ["deepCheckPeriod", options.deepCheckPeriod, 1],
    ["deepCheckMaxTenants", options.deepCheckMaxTenants, 0],
    ["leaseSeconds", options.leaseSeconds, 1],
    ["concurrency", options.concurrency, 1],
    ["retryMaxTenants", options.retryMaxTenants, 0],
    ["retryBackoffSeconds", options.retryBackoffSeconds, 1],
    ["retryBackoffMaxSeconds", options.retryBackoffMaxSeconds, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      problems.push(`${name} must be an integer >= ${min}, got ${value}`);
  }
  if (options.retryBackoffMaxSeconds < options.retryBackoffSeconds) {
    problems.push(
      `retryBackoffMaxSeconds (${options.retryBackoffMaxSeconds}) must not be below retryBackoffSeconds (${options.retryBackoffSeconds})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(`invalid sweep options: ${problems.join("; ")}`);
  return options;
}
