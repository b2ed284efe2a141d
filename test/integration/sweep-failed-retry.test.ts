import { AppsV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import type { Dialect } from "../../lib/db/dialect.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { parseTenantMessage } from "../../lib/queue/message.ts";
import { readRetries } from "../../lib/sweep/retry-store.ts";
import { DIALECTS } from "../support/databases.ts";
import { writeSets } from "../support/engine.ts";
import { TestQueues } from "../support/queues.ts";
import { adminKubeConfig, sqsClient } from "../support/stack.ts";
import { type SweepWorld, sweepWorld, webDeployment } from "../support/sweep.ts";

const apps = adminKubeConfig().makeApiClient(AppsV1Api);

/** Seconds a tenant's Deployment may take to report Ready before its reconcile gives up: short, on purpose. */
const READINESS_TIMEOUT = 2;

/** One Deployment that is ready only once its status says `Ready: True`, and nothing depends on it. */
function gatedSet(w: SweepWorld): Record<string, string> {
  return {
    "templateset.yaml": `name: app
namespace: "${w.namespace}"
resources:
  - id: web
    file: web.yaml.mustache
    readiness: { condition: Ready, timeoutSeconds: ${READINESS_TIMEOUT} }
`,
    "web.yaml.mustache": webDeployment(w.run, "1"),
  };
}

/** Sets a tenant's Deployment condition Ready to True through the status subresource, as its controller would. */
async function markReady(w: SweepWorld, tenant: string): Promise<void> {
  const name = w.name(tenant, "web");
  const live = await apps.readNamespacedDeployment({ name, namespace: w.namespace });
  const others = (live.status?.conditions ?? []).filter((c) => c.type !== "Ready");
  await apps.replaceNamespacedDeploymentStatus({
    name,
    namespace: w.namespace,
    body: { ...live, status: { ...live.status, conditions: [...others, { type: "Ready", status: "True" }] } },
  });
}

const phaseOf = async (w: SweepWorld, tenant: string) =>
  (await readStatus(w.fixture.db, { tenantKey: tenant })).map((row) => row.phase);

describe.each<[Dialect]>(DIALECTS)("sweep retries failed tenants on %s", (dialect) => {
  const worlds: SweepWorld[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
  });

  /** A sweep world whose set has the gated Deployment, with tenants inserted and reconciled until Failed. */
  async function failedTenants(prefix: string, ...tenants: string[]): Promise<SweepWorld> {
    const w = await sweepWorld(dialect, prefix);
    worlds.push(w);
    writeSets({ app: gatedSet(w) }, w.dir);
    w.sets = await w.fixture.loadSets(w.dir);
    w.engine = w.fixture.engine(w.sets);
    for (const tenant of tenants) await w.fixture.insert({ id: tenant, slug: w.slug(tenant) });
    const outcomes = await Promise.all(tenants.map((tenant) => w.engine.reconcile(tenant)));
    for (const outcome of outcomes) {
      expect(outcome.sets.map((s) => s.phase)).toEqual(["Failed"]);
      expect(outcome.sets[0]?.message).toMatch(/not ready after/);
    }
    return w;
  }

  it("retries a tenant whose readiness timed out, and it recovers once its object is ready", async () => {
    const w = await failedTenants("sw_retry_ready", "a");
    await markReady(w, "a");

    const swept = await w.sweep();
    expect(await phaseOf(w, "a")).toEqual(["Ready"]);
    expect(swept.outcome).toBe("Done");
    // Nothing drifted: the retry is no drift repair.
    expect(swept.counts).toMatchObject({ tenantsToRepair: 0, failedTenants: 1, retried: 1, repaired: 1 });

    // Recovered: nothing left to retry, and its back-off state is gone.
    const after = await w.sweep();
    expect(after.counts).toMatchObject({ failedTenants: 0, retried: 0, retryWaiting: 0 });
    expect(await readRetries(w.fixture.db)).toEqual([]);
  });

  it("backs off: a tenant still failing waits for its next retry time, and a row change resets it", async () => {
    const w = await failedTenants("sw_retry_backoff", "a");
    const hour = { retryBackoffSeconds: 3600, retryBackoffMaxSeconds: 3600 };

    const first = await w.sweep(hour);
    expect(first.counts).toMatchObject({ failedTenants: 1, retried: 1, retryWaiting: 0, repairFailed: 1 });
    expect(await phaseOf(w, "a")).toEqual(["Failed"]);
    expect((await readRetries(w.fixture.db)).map((r) => [r.tenantKey, r.attempts])).toEqual([["a", 1]]);

    const waiting = await w.sweep(hour);
    expect(waiting.counts).toMatchObject({ failedTenants: 1, retried: 0, retryWaiting: 1 });
    expect((await readRetries(w.fixture.db)).map((r) => r.attempts)).toEqual([1]);

    // A one-second back-off has passed (time compressed: the last retry is moved back; the retry itself no longer
    // waits out the readiness timeout again, which counts from the apply across reconciles).
    await w.fixture.db.query(
      `UPDATE tenant_sync_retry SET last_retry_at = ${
        dialect === "postgres" ? "now() - interval '5 seconds'" : "UTC_TIMESTAMP(3) - INTERVAL 5 SECOND"
      } WHERE tenant_key = $1`,
      ["a"],
    );
    const due = await w.sweep({ retryBackoffSeconds: 1, retryBackoffMaxSeconds: 1 });
    expect(due.counts).toMatchObject({ retried: 1, retryWaiting: 0 });
    expect((await readRetries(w.fixture.db)).map((r) => r.attempts)).toEqual([2]);

    // A changed row (even a column the templates do not use) is a new situation: retried now, from attempt 1.
    await w.fixture.update("a", { note: "changed" });
    const changed = await w.sweep(hour);
    expect(changed.counts).toMatchObject({ retried: 1, retryWaiting: 0 });
    expect((await readRetries(w.fixture.db)).map((r) => r.attempts)).toEqual([1]);
  });

  it("retries at most retryMaxTenants per run; the others wait for the next run", async () => {
    const w = await failedTenants("sw_retry_cap", "a", "b", "c");
    const options = { retryMaxTenants: 2, retryBackoffSeconds: 3600, retryBackoffMaxSeconds: 3600 };

    const first = await w.sweep(options);
    expect(first.counts).toMatchObject({ failedTenants: 3, retried: 2, retryDeferred: 1, retryWaiting: 0 });
    const retriedFirst = (await readRetries(w.fixture.db)).map((r) => r.tenantKey);
    expect(retriedFirst).toHaveLength(2);

    const second = await w.sweep(options);
    expect(second.counts).toMatchObject({ failedTenants: 3, retried: 1, retryDeferred: 0, retryWaiting: 2 });
    expect((await readRetries(w.fixture.db)).map((r) => r.tenantKey).sort()).toEqual(["a", "b", "c"]);

    // 0 turns retries off: failing tenants are counted, none is retried.
    const off = await w.sweep({ ...options, retryMaxTenants: 0 });
    expect(off.counts).toMatchObject({ failedTenants: 3, retried: 0 });
  });

  it("enqueues a failing tenant like a repair; a dry run only lists it; the consumer's reconcile recovers it", async () => {
    const w = await failedTenants("sw_retry_queue", "a");
    await markReady(w, "a");
    const sqs = sqsClient();
    const queues = new TestQueues(sqs);
    try {
      const queueUrl = await queues.create("sweep-retry");

      const plan = await w.sweep({ dryRun: true }, { sqs, queueUrl });
      expect(plan.counts).toMatchObject({ failedTenants: 1, retried: 0, enqueued: 0 });
      expect(plan.plan.repairs).toEqual([{ tenant: "a", reasons: ["retry app: Failed (attempt 1)"] }]);
      expect(await readRetries(w.fixture.db)).toEqual([]);

      const result = await w.sweep({ inline: false }, { sqs, queueUrl });
      expect(result.counts).toMatchObject({ failedTenants: 1, retried: 1, enqueued: 1, repaired: 0 });
      const messages = await queues.receive(queueUrl, 1);
      expect(messages.map((m) => parseTenantMessage(m.Body as string))).toMatchObject([
        { tenant: "a", reason: "sweep" },
      ]);
      expect(messages.map((m) => m.Attributes?.MessageDeduplicationId)).toEqual([`sweep-${result.runId}-a`]);
      expect((await readRetries(w.fixture.db)).map((r) => [r.tenantKey, r.attempts])).toEqual([["a", 1]]);

      // What the sync consumer does with the message: a plain reconcile, skipping unchanged objects.
      await w.engine.reconcile("a");
      expect(await phaseOf(w, "a")).toEqual(["Ready"]);
      const after = await w.sweep({ inline: false }, { sqs, queueUrl });
      expect(after.counts).toMatchObject({ failedTenants: 0, retried: 0, enqueued: 0 });
      expect(await readRetries(w.fixture.db)).toEqual([]);
    } finally {
      await queues.deleteAll();
      sqs.destroy();
    }
  });
});
