import { describe, expect, it } from "vitest";
import type { TenantState } from "../../lib/sweep/desired-index.ts";
import { checkSweepOptions, DEFAULT_SWEEP_OPTIONS, sweepOptionsFromEnv } from "../../lib/sweep/options.ts";
import {
  backoffSeconds,
  planRetries,
  type RetryInput,
  type RetryOptions,
  retryFingerprint,
} from "../../lib/sweep/retry.ts";
import type { FailingTenant } from "../../lib/sweep/retry-store.ts";
import { SweepScope } from "../../lib/sweep/scope.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";

const options: RetryOptions = { retryMaxTenants: 10, retryBackoffSeconds: 60, retryBackoffMaxSeconds: 3600 };
const sets = [{ name: "app", version: "v1" }] as TemplateSet[];
const tenant = (key: string, extra: Partial<TenantState> = {}) =>
  ({ key, active: true, cluster: "a", digest: `row-${key}`, pinned: undefined, ...extra }) as TenantState;
const NOW = "2026-01-01T12:00:00.000Z";
const minutesAgo = (minutes: number) => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();

function input(failing: FailingTenant[], extra: Partial<RetryInput> = {}): RetryInput {
  const tenants = new Map(failing.map((f) => [f.tenantKey, tenant(f.tenantKey)]));
  return {
    failing,
    now: NOW,
    tenants,
    sets,
    swept: new Set(["a"]),
    repairs: new Map(),
    scope: undefined,
    options,
    ...extra,
  };
}

const failing = (tenantKey: string, since: string, retry?: { attempts: number; lastRetryAt: string }) =>
  ({
    tenantKey,
    failing: ["app: Failed"],
    sets: ["app"],
    since,
    retry: retry && {
      tenantKey,
      ...retry,
      fingerprint: retryFingerprint(tenant(tenantKey), sets),
    },
  }) satisfies FailingTenant;

describe("sweep retries of failed tenants", () => {
  it("doubles the back-off from retryBackoffSeconds up to retryBackoffMaxSeconds", () => {
    expect([1, 2, 3, 6, 7, 8, 1000].map((n) => backoffSeconds(n, options))).toEqual([
      60, 120, 240, 1920, 3600, 3600, 3600,
    ]);
  });

  it("retries a tenant never retried at once, and one retried before only once its back-off passed", () => {
    const plan = planRetries(
      input([
        failing("new", minutesAgo(1)),
        failing("waiting", minutesAgo(30), { attempts: 2, lastRetryAt: minutesAgo(1) }),
        failing("due", minutesAgo(30), { attempts: 2, lastRetryAt: minutesAgo(3) }),
      ]),
    );
    expect(plan.due.map((r) => [r.tenantKey, r.attempts])).toEqual([
      ["due", 3],
      ["new", 1],
    ]);
    expect(plan).toMatchObject({ failedTenants: 3, waiting: 1, deferred: 0 });
  });

  it("starts over when the row or the template versions changed since the last retry", () => {
    const retried = failing("a", minutesAgo(30), { attempts: 5, lastRetryAt: minutesAgo(1) });
    const rowChanged = input([retried], { tenants: new Map([["a", tenant("a", { digest: "edited" })]]) });
    expect(planRetries(rowChanged).due.map((r) => r.attempts)).toEqual([1]);
    const newVersion = input([retried], { sets: [{ name: "app", version: "v2" }] as TemplateSet[] });
    expect(planRetries(newVersion).due.map((r) => r.attempts)).toEqual([1]);
    expect(planRetries(input([retried])).waiting).toBe(1);
  });

  it("takes at most retryMaxTenants, longest-waiting first, and counts the rest as deferred", () => {
    const plan = planRetries(
      input([failing("c", minutesAgo(1)), failing("a", minutesAgo(9)), failing("b", minutesAgo(5))], {
        options: { ...options, retryMaxTenants: 2 },
      }),
    );
    expect(plan.due.map((r) => r.tenantKey)).toEqual(["a", "b"]);
    expect(plan.deferred).toBe(1);
  });

  it("leaves out deleted, deactivated and drift-repaired tenants, and tenants on clusters not swept", () => {
    const keys = ["gone", "off", "repaired", "elsewhere", "retried"];
    const plan = planRetries(
      input(
        keys.map((key) => failing(key, minutesAgo(1))),
        {
          tenants: new Map([
            ["off", tenant("off", { active: false })],
            ["repaired", tenant("repaired")],
            ["elsewhere", tenant("elsewhere", { cluster: "down" })],
            ["retried", tenant("retried")],
          ]),
          repairs: new Map([["repaired", {}]]),
        },
      ),
    );
    expect(plan.due.map((r) => r.tenantKey)).toEqual(["retried"]);
    expect(plan).toMatchObject({ failedTenants: 5, waiting: 0, deferred: 0 });
  });

  it("under a label selector, retries only tenants failing in a set with objects the selector takes in", () => {
    const scoped = (key: string, ...sets: string[]) => tenant(key, { scopedSets: new Set(sets) });
    const both = {
      ...failing("both", minutesAgo(1)),
      failing: ["app: Failed", "web: Failed"],
      sets: ["app", "web"],
    };
    const tenants = new Map([
      ["in", scoped("in", "app")],
      ["out", scoped("out")],
      ["both", scoped("both", "web")],
    ]);
    const all = [failing("in", minutesAgo(1)), failing("out", minutesAgo(1)), both];
    const scope = new SweepScope("team=blue");
    expect(planRetries(input(all, { tenants, scope })).due.map((r) => r.tenantKey)).toEqual(["both", "in"]);
    // Without a selector every failing tenant is retried, whatever its objects.
    expect(planRetries(input(all, { tenants })).due).toHaveLength(3);
  });

  it("reads its settings from TENANT_SYNC_SWEEP_RETRY_* and refuses a cap below the first back-off", () => {
    expect(
      sweepOptionsFromEnv({
        TENANT_SYNC_SWEEP_RETRY_MAX_TENANTS: "0",
        TENANT_SYNC_SWEEP_RETRY_BACKOFF_SECONDS: "30",
        TENANT_SYNC_SWEEP_RETRY_BACKOFF_MAX_SECONDS: "600",
      }),
    ).toMatchObject({ retryMaxTenants: 0, retryBackoffSeconds: 30, retryBackoffMaxSeconds: 600 });
    expect(() =>
      checkSweepOptions({ ...DEFAULT_SWEEP_OPTIONS, retryBackoffSeconds: 600, retryBackoffMaxSeconds: 60 }),
    ).toThrow(/retryBackoffMaxSeconds \(60\) must not be below retryBackoffSeconds \(600\)/);
  });
});
