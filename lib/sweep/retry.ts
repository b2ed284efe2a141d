import { createHash } from "node:crypto";
import type { Queryable } from "../db/queryable.ts";
import type { TemplateSet } from "../templates/model.ts";
import type { TenantState } from "./desired-index.ts";
import type { SweepOptions } from "./options.ts";
import { type FailingTenant, readFailingTenants } from "./retry-store.ts";
import type { SweepScope } from "./scope.ts";

export type RetryOptions = Pick<
  SweepOptions,
  "retryMaxTenants" | "retryBackoffSeconds" | "retryBackoffMaxSeconds"
>;

/** One failing tenant this run retries. */
export interface RetryCandidate {
  tenantKey: string;
  /** `set: phase` of its failing status rows. */
  failing: string[];
  /** The number of this retry since the tenant last changed: 1 for the first. */
  attempts: number;
  fingerprint: string;
  /** Since when the retry was due (ms since the epoch, database clock): the longest-waiting go first. */
  dueAt: number;
}

export interface RetryPlan {
  /** Retried this run, at most retryMaxTenants, longest-waiting first. */
  due: RetryCandidate[];
  /** Tenants with a Failed or Conflicted status row. */
  failedTenants: number;
  /** Retried before, and their back-off has not passed yet. */
  waiting: number;
  /** Due, but over this run's retryMaxTenants: the next run takes them first. */
  deferred: number;
}

export const emptyRetryPlan = (): RetryPlan => ({ due: [], failedTenants: 0, waiting: 0, deferred: 0 });

export interface RetryInput {
  failing: readonly FailingTenant[];
  /** The database's time when the failing tenants were read. */
  now: string;
  tenants: ReadonlyMap<string, TenantState>;
  sets: readonly TemplateSet[];
  /** Clusters swept this run: a tenant on a cluster that could not be listed is left for a later run. */
  swept: ReadonlySet<string>;
  /** Tenants the drift repair reconciles this run anyway. */
  repairs: ReadonlyMap<string, unknown>;
  /** The run's label selector: a narrowed run retries only tenants failing in a set it has objects of in scope. */
  scope: SweepScope | undefined;
  options: RetryOptions;
}

/** Seconds to wait after the `attempts`-th retry: the back-off doubles from retryBackoffSeconds up to the cap. */
export function backoffSeconds(attempts: number, options: RetryOptions): number {
  const doublings = Math.min(Math.max(attempts - 1, 0), 40);
  return Math.min(options.retryBackoffSeconds * 2 ** doublings, options.retryBackoffMaxSeconds);
}

/** Of what a retry depends on: the row (with its cluster) and the set versions it renders with. */
export function retryFingerprint(tenant: TenantState, sets: readonly TemplateSet[]): string {
  const versions = (tenant.pinned ?? sets).map((set) => `${set.name}@${set.version}`).join("\u0000");
  return createHash("sha256").update(`${tenant.digest}\u0000${versions}`).digest("hex");
}

/**
 * Which failing tenants this run retries. Only active tenants whose cluster was swept are retried (a deleted
 * or deactivated tenant's leftovers are orphans, under the valves; a tenant with an invalid row waits for the
 * row to be fixed, which reconciles it). A tenant retried before waits out its back-off, unless its row or
 * template versions changed since: then it starts over.
 */
export function planRetries(input: RetryInput): RetryPlan {
  const now = Date.parse(input.now);
  const plan: RetryPlan = { ...emptyRetryPlan(), failedTenants: input.failing.length };
  const candidates: RetryCandidate[] = [];
  for (const failing of input.failing) {
    const tenant = input.tenants.get(failing.tenantKey);
    if (!tenant?.active || !input.swept.has(tenant.cluster) || input.repairs.has(failing.tenantKey)) continue;
    if (input.scope && !failing.sets.some((set) => tenant.scopedSets.has(set))) continue;
    const fingerprint = retryFingerprint(tenant, input.sets);
    const previous = failing.retry?.fingerprint === fingerprint ? failing.retry : undefined;
    const dueAt = previous
      ? Date.parse(previous.lastRetryAt) + backoffSeconds(previous.attempts, input.options) * 1000
      : Date.parse(failing.since);
    if (previous && dueAt > now) {
      plan.waiting++;
      continue;
    }
    candidates.push({
      tenantKey: failing.tenantKey,
      failing: failing.failing,
      attempts: (previous?.attempts ?? 0) + 1,
      fingerprint,
      dueAt,
    });
  }
  candidates.sort((a, b) => a.dueAt - b.dueAt || (a.tenantKey < b.tenantKey ? -1 : 1));
  plan.due = candidates.slice(0, input.options.retryMaxTenants);
  plan.deferred = candidates.length - plan.due.length;
  return plan;
}

/** Reads the failing tenants and plans this run's retries (see planRetries). */
export async function findRetries(
  db: Queryable,
  input: Omit<RetryInput, "failing" | "now">,
): Promise<RetryPlan> {
  const { now, tenants } = await readFailingTenants(db);
  return planRetries({ ...input, failing: tenants, now });
}
