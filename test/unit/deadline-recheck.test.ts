/**
 * Issue 14, parts 2 and 3, the pieces that need no cluster: the batch stops starting tenants at the deadline,
 * the DAG lets dependents of a waiting resource wait, the recheck's back-off, the Progressing message, and
 * that every wait (readiness, deletion, each request) ends by the deadline.
 */
import { describe, expect, it } from "vitest";
import { runDag } from "../../lib/engine/dag-runner.ts";
import { type ResourceOutcome, type SetOutcome, summarize } from "../../lib/engine/outcome.ts";
import { DEFAULT_RECHECK, recheckDelaySeconds } from "../../lib/engine/recheck.ts";
import { type ClusterClient, requestTimeoutMs } from "../../lib/kube/cluster-client.ts";
import { removeObject } from "../../lib/kube/manager/remove.ts";
import { waitReady } from "../../lib/kube/manager/wait.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";
import { withRequestDeadline } from "../../lib/kube/request-deadline.ts";
import { processBatch, type QueueRecord } from "../../lib/pipeline/sync/sync-batch.ts";
import { invocationDeadline } from "../../lib/runtime/deadline.ts";
import { outcome } from "./batch-fixtures.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;
const record = (id: string, tenant: string): QueueRecord => ({
  messageId: id,
  groupId: tenant,
  receiveCount: 1,
  body: JSON.stringify({ tenant, reason: "update", at: "2026-11-25T10:00:00.000Z" }),
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("processBatch with a deadline", () => {
  it("starts no tenant once the deadline has passed and returns the messages of those not started", async () => {
    const deadline = Date.now() + 50;
    const started: string[] = [];
    const result = await processBatch(
      [record("1", "a"), record("2", "b"), record("3", "c")],
      async (tenant) => {
        started.push(tenant);
        // The first tenant uses up the invocation's time.
        while (Date.now() <= deadline) await sleep(10);
        return outcome(tenant);
      },
      silent,
      { parallelGroups: 1, deadline },
    );
    expect(started).toEqual(["a"]);
    expect(result.outcomes.map((o) => o.tenantKey)).toEqual(["a"]);
    expect(result.failed.sort()).toEqual(["2", "3"]);
  });
});

describe("runDag with waiting resources", () => {
  it("lets dependents of a waiting node wait (not skipped, not run); independent and failed branches as before", async () => {
    const ran: string[] = [];
    const results = await runDag(
      [
        { id: "db", dependsOn: [] },
        { id: "config", dependsOn: ["db"] },
        { id: "app", dependsOn: ["config"] },
        { id: "broken", dependsOn: [] },
        { id: "both", dependsOn: ["db", "broken"] },
        { id: "free", dependsOn: [] },
      ],
      async (id) => {
        ran.push(id);
        return id === "db" ? "waiting" : id === "broken" ? "failed" : "ok";
      },
      4,
    );
    expect(Object.fromEntries(results)).toEqual({
      db: "waiting",
      config: "waiting",
      app: "waiting",
      broken: "failed",
      both: "skipped",
      free: "ok",
    });
    expect(ran.sort()).toEqual(["broken", "db", "free"]);
  });
});

const resource = (
  resourceId: string,
  state: ResourceOutcome["state"],
  extra: Partial<ResourceOutcome> = {},
) => ({
  resourceId,
  state,
  transient: false,
  wrote: false,
  ...extra,
});
const set = (resources: ResourceOutcome[]): SetOutcome => ({
  templateSet: "app",
  templateVersion: "v1",
  phase: "Progressing",
  resources,
  message: null,
  appliedHash: null,
});

describe("the Progressing phase and its recheck", () => {
  const now = Date.parse("2026-12-01T10:00:00.000Z");
  const awaiting = (sinceSeconds: number, timeoutSeconds = 300) => ({
    object: "apps/v1 Deployment t-a/db",
    since: now - sinceSeconds * 1000,
    timeoutAt: now - sinceSeconds * 1000 + timeoutSeconds * 1000,
    reason: "0/1 replicas available",
  });

  it("names what is awaited and since when, and what is not applied yet", () => {
    const summary = summarize([
      resource("namespace", "ready"),
      resource("db", "progressing", { awaiting: awaiting(12) }),
      resource("config", "pending"),
    ]);
    expect(summary).toEqual({
      phase: "Progressing",
      message:
        "db: awaiting readiness of apps/v1 Deployment t-a/db since 2026-12-01T09:59:48.000Z: 0/1 replicas available; " +
        "not applied yet: config",
    });
    // A failure elsewhere in the set wins: the set is Failed, and still says what is awaited.
    expect(
      summarize([resource("x", "failed", { message: "bad" }), resource("config", "pending")]).phase,
    ).toBe("Failed");
  });

  it("backs off by how long the resource has been awaited: 5 s doubling to 60 s, never past the timeout", () => {
    const delay = (since: number, timeout?: number) =>
      recheckDelaySeconds(
        [set([resource("db", "progressing", { awaiting: awaiting(since, timeout) })])],
        DEFAULT_RECHECK,
        now,
      );
    expect([delay(0), delay(5), delay(10), delay(20), delay(40), delay(200)]).toEqual([5, 5, 10, 20, 40, 60]);
    expect(delay(290)).toBe(10);
    expect(delay(299.5)).toBe(1);
    // Only pending resources (the deadline came before they started): the initial wait.
    expect(recheckDelaySeconds([set([resource("config", "pending")])], DEFAULT_RECHECK, now)).toBe(5);
  });

  it("writes no recheck when nothing is awaited (steady state)", () => {
    expect(
      recheckDelaySeconds([set([resource("db", "ready"), resource("x", "failed")])], DEFAULT_RECHECK, now),
    ).toBe(undefined);
  });
});

describe("every wait ends by the deadline", () => {
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "db", namespace: "t-a", generation: 1 },
    spec: { replicas: 1 },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 },
  };
  const stuck = { get: async () => deployment, delete: async () => {} } as unknown as ClusterClient;

  it("a readiness wait with 300 s of timeout left returns `waiting` at a deadline 200 ms away", async () => {
    const readiness = await waitReady(stuck, deployment, 300, undefined, { deadline: Date.now() + 200 });
    expect(readiness).toEqual({ state: "waiting", reason: "0/1 replicas available" });
  });

  it("a readiness wait whose clock started in an earlier invocation times out without waiting again", async () => {
    const readiness = await waitReady(stuck, deployment, 3, undefined, {
      since: Date.now() - 4000,
      deadline: Date.now() + 60_000,
    });
    expect(readiness).toMatchObject({ state: "failed", reason: expect.stringMatching(/not ready after 3s/) });
  });

  it("a deletion wait stops at the deadline, transient, saying so", async () => {
    const owned = {
      ...deployment,
      metadata: {
        ...deployment.metadata,
        labels: { "app.kubernetes.io/managed-by": "tenant-sync", "tenant-sync.io/tenant": "a" },
      },
    };
    const client = { get: async () => owned, delete: async () => {} } as unknown as ClusterClient;
    const removal = await removeObject(
      client,
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "t-a", name: "db" },
      { tenantKey: "a", deletion: "Delete", reason: "test", deadline: Date.now() + 200 },
    );
    expect(removal).toEqual({
      state: "failed",
      message: "apps/v1 Deployment t-a/db is still terminating at the invocation's deadline",
      transient: true,
    });
  });

  it("each API request's timeout is its own, or what is left until the deadline of the reconcile it serves", async () => {
    expect(requestTimeoutMs(30_000)).toBe(30_000);
    const inside = await withRequestDeadline(Date.now() + 2000, async () => {
      await sleep(1);
      return requestTimeoutMs(30_000);
    });
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThanOrEqual(2000);
    expect(await withRequestDeadline(Date.now() - 5, async () => requestTimeoutMs(30_000))).toBe(1);
  });

  it("an invocation keeps back 10 s, or 15 % of its time when that is more", () => {
    const at = (remaining: number) =>
      invocationDeadline({ getRemainingTimeInMillis: () => remaining }) - Date.now();
    expect(Math.round(at(60_000) / 1000)).toBe(50);
    expect(Math.round(at(900_000) / 1000)).toBe(765);
  });
});
