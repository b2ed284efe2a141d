import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { createSweepHandler } from "../../functions/sweep/handler.ts";
import { lambdaContext } from "../../infra/dev/lambda-context.ts";
import type { Dialect } from "../../lib/db/dialect.ts";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { statusCode } from "../../lib/kube/api-errors.ts";
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_ORPHANED_REASON,
  LABEL_MANAGED_BY,
  LABEL_RESOURCE,
  LABEL_TEMPLATE_SET,
  LABEL_TENANT,
} from "../../lib/kube/labels.ts";
import { parseTenantMessage } from "../../lib/queue/message.ts";
import { acquireLease, leaseHolder, releaseLease, renewLease } from "../../lib/sweep/lease.ts";
import { DRIFT_MARK } from "../../lib/sweep/repair.ts";
import { readRuns } from "../../lib/sweep/run-store.ts";
import { SWEEP_LEASE } from "../../lib/sweep/sweep.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { DIALECTS } from "../support/databases.ts";
import { writeSets } from "../support/engine.ts";
import { TestQueues } from "../support/queues.ts";
import { adminKubeConfig, eventually, sqsClient, stack } from "../support/stack.ts";
import { SCOPE_LABEL, type SweepWorld, sweepSet, sweepWorld } from "../support/sweep.ts";

const kubeconfig = adminKubeConfig();
const core = kubeconfig.makeApiClient(CoreV1Api);
const apps = kubeconfig.makeApiClient(AppsV1Api);
const rbac = kubeconfig.makeApiClient(RbacAuthorizationV1Api);
const raw = KubernetesObjectApi.makeApiClient(kubeconfig);

const gone = async (read: () => Promise<unknown>) =>
  read().then(
    () => false,
    (error) => {
      if (statusCode(error) === 404) return true;
      throw error;
    },
  );

/** A tenant's ConfigMap: `configMap(w, "a", "config")`. */
const configMap = (w: SweepWorld, tenant: string, suffix: string) =>
  core.readNamespacedConfigMap({ name: w.name(tenant, suffix), namespace: w.namespace });
const role = (w: SweepWorld, tenant: string) => rbac.readClusterRole({ name: `sw-${w.slug(tenant)}` });

/** Applies a ConfigMap change as another field manager would (kubectl apply --server-side --force-conflicts). */
async function applyAs(manager: string, namespace: string, name: string, data: Record<string, string>) {
  await raw.patch(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data },
    undefined,
    undefined,
    manager,
    true,
    PatchStrategy.ServerSideApply,
  );
}

/** A JSON merge patch of a ConfigMap's annotations and data, as `kubectl annotate` or `kubectl edit` sends. */
async function mergeAs(
  manager: string,
  namespace: string,
  name: string,
  annotations: Record<string, string | null>,
  data?: Record<string, string>,
) {
  await raw.patch(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace, annotations: annotations as Record<string, string> },
      ...(data ? { data } : {}),
    },
    undefined,
    undefined,
    manager,
    undefined,
    PatchStrategy.MergePatch,
  );
}

describe.each<[Dialect]>(DIALECTS)("sweep on %s", (dialect) => {
  const worlds: SweepWorld[] = [];
  const world = async (prefix: string) => {
    const created = await sweepWorld(dialect, prefix);
    worlds.push(created);
    return created;
  };
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
  });

  it("writes nothing when nothing drifted, repairs hand edits and recreates what was deleted by hand", async () => {
    const w = await world("sw_repair");
    await w.provision("a", "b");

    const clean = await w.sweep({ deepCheckPeriod: 1, deepCheckMaxTenants: 100 });
    expect(clean.outcome).toBe("Done");
    expect(clean.counts).toMatchObject({
      tenants: 2,
      desiredObjects: 12,
      liveObjects: 12,
      missing: 0,
      drifted: 0,
      deletedByHand: 0,
      unrecorded: 0,
      orphans: 0,
      deepCheckedTenants: 2,
      deepDrifted: 0,
      tenantsToRepair: 0,
    });
    // Once resources (the Secret) are never re-applied, so never deep-checked: 5 per tenant.
    expect(clean.counts.deepChecked).toBe(10);
    expect(clean.writes).toBe(0);
    expect(clean.requests).toMatchObject({ get: 0, patch: 0, delete: 0, apply: 10 });

    const shallow = await w.sweep();
    expect(shallow.writes).toBe(0);
    expect(shallow.requests).toMatchObject({ get: 0, patch: 0, delete: 0, apply: 0 });
    expect(shallow.requests.list).toBeGreaterThan(0);

    // Annotation removed from a Stuck object, data and hash changed on a Force object, one object deleted.
    await mergeAs("kubectl-annotate", w.namespace, w.name("a", "config"), {
      [ANNOTATION_CONTENT_HASH]: null,
    });
    await mergeAs(
      "kubectl-edit",
      w.namespace,
      w.name("a", "settings"),
      { [ANNOTATION_CONTENT_HASH]: "x" },
      { replicas: "99" },
    );
    await core.deleteNamespacedConfigMap({ name: w.name("b", "config"), namespace: w.namespace });

    const repair = await w.sweep();
    expect(repair.outcome).toBe("Done");
    expect(repair.counts).toMatchObject({ drifted: 2, deletedByHand: 1, tenantsToRepair: 2, repaired: 2 });
    expect(repair.plan.repairs.find((r) => r.tenant === "a")?.reasons.sort()).toEqual([
      "drifted app/config",
      "drifted app/settings",
    ]);
    const a = await configMap(w, "a", "config");
    expect(a.metadata?.annotations?.[ANNOTATION_CONTENT_HASH]).toMatch(/^[0-9a-f]{64}$/);
    expect((await configMap(w, "a", "settings")).data).toEqual({ replicas: "1" });
    expect((await configMap(w, "b", "config")).data).toEqual({ plan: "basic", note: "" });

    const after = await w.sweep();
    expect(after.counts).toMatchObject({ drifted: 0, deletedByHand: 0, missing: 0, tenantsToRepair: 0 });
    expect(after.writes).toBe(0);
  });

  it("finds edits that kept the hash annotation with a dry-run apply, and repairs or reports them", async () => {
    const w = await world("sw_deep");
    await w.provision("a", "b");
    // Someone else takes a field of a Stuck object and of a Force object (server-side apply), and someone
    // edits a Stuck object (an update, as kubectl edit sends). The hash annotations stay as they were.
    await applyAs("someone", w.namespace, w.name("a", "config"), { plan: "hijacked" });
    await applyAs("someone", w.namespace, w.name("a", "settings"), { replicas: "7" });
    await mergeAs(
      "kubectl-edit",
      w.namespace,
      w.name("b", "config"),
      {},
      { plan: "basic", note: "edited by hand" },
    );

    const shallow = await w.sweep();
    expect(shallow.counts.drifted + shallow.counts.tenantsToRepair).toBe(0);

    const deep = await w.sweep({ deepCheckPeriod: 1, deepCheckMaxTenants: 100 });
    expect(deep.counts).toMatchObject({ deepCheckedTenants: 2, deepDrifted: 3, tenantsToRepair: 2 });
    expect(deep.counts.deepCheckErrors).toBe(0);
    expect(
      deep.plan.repairs.flatMap((r) => r.reasons.map((reason) => `${r.tenant} ${reason}`)).sort(),
    ).toEqual(["a deep-drift app/config", "a deep-drift app/settings", "b deep-drift app/config"]);
    expect(deep.counts.repairFailed).toBe(2);
    // Force takes the field back. Stuck keeps the other manager's value and says so in the status, as
    // every sync would: the sweep found the drift, the set's conflict policy decides what happens to it.
    expect((await configMap(w, "a", "settings")).data).toEqual({ replicas: "1" });
    expect((await configMap(w, "a", "config")).data?.plan).toBe("hijacked");
    expect((await configMap(w, "b", "config")).data?.note).toBe("edited by hand");
    for (const [tenant, manager] of [
      ["a", /someone/],
      ["b", /kubectl-edit/],
    ] as const) {
      const [status] = await readStatus(w.fixture.db, { tenantKey: tenant });
      expect(status?.phase).toBe("Conflicted");
      expect(status?.message).toMatch(manager);
    }
  });

  it("tears down tenants deleted or deactivated while the pipeline was stopped, and leaves invalid rows alone", async () => {
    const w = await world("sw_gone");
    await w.provision("keep", "gone", "paused", "odd");
    await w.fixture.remove("gone");
    await w.fixture.update("paused", { active: "no" });
    await w.fixture.update("odd", { active: "maybe" });

    const result = await w.sweep({ maxDeleteShare: 1 });
    expect(result.outcome).toBe("Done");
    expect(result.counts).toMatchObject({
      tenants: 3,
      invalidRows: 1,
      protected: 6,
      orphans: 12,
      orphanTenants: 2,
      removed: 10,
      retained: 2,
      removeFailed: 0,
    });
    expect(new Set(result.plan.removals.map((r) => `${r.tenant}: ${r.reason}`))).toEqual(
      new Set(["gone: tenant deleted", "paused: tenant deactivated"]),
    );
    for (const name of ["gone", "paused"]) {
      expect(await gone(() => role(w, name))).toBe(true);
      expect(await gone(() => configMap(w, name, "config"))).toBe(true);
      expect(await readInventory(w.fixture.db, name)).toEqual([]);
      const [status] = await readStatus(w.fixture.db, { tenantKey: name });
      expect(status?.phase).toBe("Deleted");
      expect(status?.message).toMatch(/removed by the sweep/);
      // The Retain resource stays, without tenant-sync's labels, marked with why it was let go.
      const keys = await core.readNamespacedSecret({ name: w.name(name, "keys"), namespace: w.namespace });
      expect(keys.metadata?.labels?.[LABEL_MANAGED_BY]).toBeUndefined();
      expect(keys.metadata?.annotations?.[ANNOTATION_ORPHANED_REASON]).toMatch(
        /^sweep: tenant (deleted|deactivated)$/,
      );
    }
    // The invalid row's objects and the healthy tenant's are all still there.
    expect((await configMap(w, "odd", "config")).metadata?.labels?.[LABEL_TENANT]).toBe("odd");
    expect((await readInventory(w.fixture.db, "odd")).length).toBe(6);
    expect((await configMap(w, "keep", "config")).data?.plan).toBe("basic");
  });

  it("prunes a resource removed from the template", async () => {
    const w = await world("sw_prune");
    await w.provision("a");
    expect(
      await gone(() =>
        core.readNamespacedServiceAccount({ name: w.name("a", "account"), namespace: w.namespace }),
      ),
    ).toBe(false);
    await w.reload({ withoutAccount: true });

    const result = await w.sweep({ maxDeleteShare: 1 });
    expect(result.outcome).toBe("Done");
    expect(result.counts).toMatchObject({ orphans: 1, removed: 1, tenantsToRepair: 0 });
    expect(result.plan.removals[0]).toMatchObject({
      tenant: "a",
      resourceId: "account",
      reason: "resource account removed from template set",
      deletion: "Delete",
    });
    expect(result.requests).toMatchObject({ apply: 0, patch: 0, delete: 1 });
    expect(
      await gone(() =>
        core.readNamespacedServiceAccount({ name: w.name("a", "account"), namespace: w.namespace }),
      ),
    ).toBe(true);
    expect((await readInventory(w.fixture.db, "a")).map((e) => e.resourceId)).not.toContain("account");
    expect((await readStatus(w.fixture.db, { tenantKey: "a" }))[0]?.phase).toBe("Ready");
  });

  it("judges a tenant a rollout holds on an older set version by that version", async () => {
    const w = await world("sw_pinned");
    await w.provision("a", "pinned");
    const older = await w.fixture.loadSets(writeSets({ app: sweepSet(w.run) }));
    await w.reload({ withoutAccount: true });
    // As lib/rollout's resolver does for tenants it has not admitted yet.
    const versionResolver = {
      setsFor: async (tenantKey: string, sets: readonly TemplateSet[]) =>
        tenantKey === "pinned" ? older : sets,
    };

    const unaware = await w.sweep({ dryRun: true, maxDeleteShare: 1 });
    expect(unaware.plan.removals.map((r) => r.tenant).sort()).toEqual(["a", "pinned"]);
    const result = await w.sweep({ maxDeleteShare: 1 }, { versionResolver });
    expect(result.counts).toMatchObject({
      orphans: 1,
      removed: 1,
      drifted: 0,
      missing: 0,
      tenantsToRepair: 0,
    });
    expect(result.plan.removals.map((r) => `${r.tenant} ${r.resourceId}`)).toEqual(["a account"]);
    const account = (tenant: string) =>
      core.readNamespacedServiceAccount({ name: w.name(tenant, "account"), namespace: w.namespace });
    expect(await gone(() => account("a"))).toBe(true);
    expect(await gone(() => account("pinned"))).toBe(false);
  });

  it("never touches an object without tenant-sync's labels", async () => {
    const w = await world("sw_foreign");
    await w.provision("a", "gone");
    // Look-alikes next to the tenants' objects: no labels at all, and every label but managed-by.
    await core.createNamespacedConfigMap({
      namespace: w.namespace,
      body: { metadata: { name: "not-ours" }, data: { x: "1" } },
    });
    await core.createNamespacedConfigMap({
      namespace: w.namespace,
      body: {
        metadata: {
          name: "almost-ours",
          labels: {
            [SCOPE_LABEL]: w.run,
            [LABEL_TENANT]: "gone",
            [LABEL_TEMPLATE_SET]: "app",
            [LABEL_RESOURCE]: "config",
          },
        },
      },
    });
    // An object a tenant would get, made by someone else before the tenant existed.
    await rbac.createClusterRole({
      body: { metadata: { name: `sw-${w.slug("squat")}`, labels: { [SCOPE_LABEL]: w.run } }, rules: [] },
    });
    await w.fixture.insert({ id: "squat", slug: w.slug("squat") });
    await w.fixture.remove("gone");
    const before = await Promise.all([
      core.readNamespacedConfigMap({ name: "not-ours", namespace: w.namespace }),
      core.readNamespacedConfigMap({ name: "almost-ours", namespace: w.namespace }),
      role(w, "squat"),
    ]);

    const result = await w.sweep({ maxDeleteShare: 1 });
    expect(result.counts.orphanTenants).toBe(1);
    expect(result.counts.missing).toBe(6);
    // The engine refuses to adopt the squatted ClusterRole; the sweep reports it, it does not fail.
    expect(result.counts.repairFailed).toBe(1);
    const after = await Promise.all([
      core.readNamespacedConfigMap({ name: "not-ours", namespace: w.namespace }),
      core.readNamespacedConfigMap({ name: "almost-ours", namespace: w.namespace }),
      role(w, "squat"),
    ]);
    expect(after.map((o) => o.metadata?.resourceVersion)).toEqual(
      before.map((o) => o.metadata?.resourceVersion),
    );
    expect(after[2]?.metadata?.labels?.[LABEL_MANAGED_BY]).toBeUndefined();
    expect((await readStatus(w.fixture.db, { tenantKey: "squat" }))[0]?.message).toMatch(
      /does not carry the tenant-sync labels/,
    );
  });

  it("holds deletions on an empty source, a failing source and an over-threshold plan; the override lets them through", async () => {
    const w = await world("sw_valves");
    const names = ["t1", "t2", "t3", "t4", "t5"];
    await w.provision(...names);
    const stillThere = async () => {
      for (const name of names)
        expect((await configMap(w, name, "config")).metadata?.name).toBe(w.name(name, "config"));
    };

    await w.fixture.db.query("DELETE FROM tenants");
    const empty = await w.sweep();
    expect(empty.outcome).toBe("Held");
    expect(empty.heldReason).toMatch(/returned no rows while 30 managed objects of 5 tenants exist/);
    expect(empty.heldReason).toMatch(/allowMassDelete/);
    expect(empty.counts).toMatchObject({ orphans: 30, removed: 0 });
    expect(empty.writes).toBe(0);
    await stillThere();

    for (const name of names) await w.fixture.insert({ id: name, slug: w.slug(name), plan: "basic" });
    await w.fixture.db.query(
      dialect === "postgres"
        ? "ALTER TABLE tenants RENAME TO tenants_away"
        : "RENAME TABLE tenants TO tenants_away",
    );
    const failing = await w.sweep({ allowMassDelete: true });
    expect(failing.outcome).toBe("Held");
    expect(failing.heldReason).toMatch(/reading tenant source .*tenants.* failed/);
    expect(failing.writes).toBe(0);
    await stillThere();
    await w.fixture.db.query(
      dialect === "postgres"
        ? "ALTER TABLE tenants_away RENAME TO tenants"
        : "RENAME TABLE tenants_away TO tenants",
    );

    await w.fixture.remove("t4");
    await w.fixture.remove("t5");
    const over = await w.sweep();
    expect(over.outcome).toBe("Held");
    expect(over.heldReason).toMatch(
      /would delete 12 objects of 2 of 5 managed tenants \(40%\), over the limit of 10%/,
    );
    expect(over.counts.removed).toBe(0);
    await stillThere();
    const byCount = await w.sweep({ maxDeleteShare: 1, maxDeleteTenants: 1 });
    expect(byCount.outcome).toBe("Held");

    const runs = await readRuns(w.fixture.db, 10);
    expect(runs.slice(0, 4).map((r) => r.outcome)).toEqual(["Held", "Held", "Held", "Held"]);
    expect(runs[0]?.heldReason).toMatch(/over the limit/);
    expect(runs[0]?.orphans).toBe(12);

    const forced = await w.sweep({ allowMassDelete: true });
    expect(forced.outcome).toBe("Done");
    expect(forced.counts).toMatchObject({ orphanTenants: 2, removed: 10, retained: 2 });
    for (const name of ["t4", "t5"]) {
      expect(await gone(() => role(w, name))).toBe(true);
      expect(await gone(() => configMap(w, name, "config"))).toBe(true);
    }
    expect((await configMap(w, "t3", "config")).data?.plan).toBe("basic");
  }, 120_000);

  it("lets one sweep act at a time; a dry run plans without acting or taking the lease", async () => {
    const w = await world("sw_lease");
    await w.provision("a", "gone");
    await w.fixture.remove("gone");
    await core.deleteNamespacedConfigMap({ name: w.name("a", "config"), namespace: w.namespace });

    const plan = await w.sweep({ dryRun: true, maxDeleteShare: 1 });
    expect(plan.outcome).toBe("DryRun");
    expect(plan.counts).toMatchObject({ deletedByHand: 1, orphans: 6, repaired: 0, removed: 0 });
    expect(plan.plan.repairs).toEqual([{ tenant: "a", reasons: ["deleted-by-hand app/config"] }]);
    expect(plan.plan.removals.map((r) => r.resourceId).sort()).toEqual(
      ["account", "config", "keys", "role", "settings", "web"].sort(),
    );
    expect(plan.writes).toBe(0);
    expect(await leaseHolder(w.fixture.db, SWEEP_LEASE)).toBeUndefined();
    expect(await gone(() => configMap(w, "a", "config"))).toBe(true);
    expect(await gone(() => role(w, "gone"))).toBe(false);

    // Someone else holds the lease: this sweep does nothing at all.
    expect((await acquireLease(w.fixture.db, SWEEP_LEASE, "other-sweep", 60)).acquired).toBe(true);
    const blocked = await w.sweep({ maxDeleteShare: 1 });
    expect(blocked.outcome).toBe("Skipped");
    expect(blocked.reason).toMatch(/^another sweep holds the lease until .* \(holder other-sweep\)$/);
    expect(blocked.writes).toBe(0);
    expect(await gone(() => configMap(w, "a", "config"))).toBe(true);
    await w.fixture.db.query(
      dialect === "postgres"
        ? "UPDATE tenant_sync_lease SET expires_at = now() - interval '1 second'"
        : "UPDATE tenant_sync_lease SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND",
    );

    // Two at once: exactly one acts.
    const both = await Promise.all([w.sweep({ maxDeleteShare: 1 }), w.sweep({ maxDeleteShare: 1 })]);
    expect(both.map((r) => r.outcome).sort()).toEqual(["Done", "Skipped"]);
    const acted = both.find((r) => r.outcome === "Done");
    expect(acted?.counts).toMatchObject({ repaired: 1, removed: 5, retained: 1 });
    expect((await configMap(w, "a", "config")).data?.plan).toBe("basic");
    const runs = await readRuns(w.fixture.db, 10);
    expect(runs.map((r) => r.outcome).sort()).toEqual(["Done", "DryRun", "Skipped", "Skipped"]);
    expect(runs.every((r) => r.finishedAt !== null)).toBe(true);
    expect(runs.find((r) => r.outcome === "Done")?.details).toMatchObject({ requests: { delete: 5 } });
  }, 120_000);

  it("leaves a cluster it cannot list alone and reports Failed, naming the cluster and the request", async () => {
    const w = await world("sw_unlisted");
    await w.provision("a", "gone");
    await w.fixture.remove("gone");
    await w.fixture.update("a", { plan: "changed" });
    const result = await w.sweep({ maxDeleteShare: 1, labelSelector: "not a selector!" });
    expect(result.outcome).toBe("Failed");
    expect(result.errors[0]).toMatch(/^cluster local not swept: listing .* on cluster local: HTTP 400/);
    expect(result.counts).toMatchObject({ orphans: 0, tenantsToRepair: 0, removed: 0 });
    expect(result.writes).toBe(0);
    expect((await configMap(w, "gone", "config")).metadata?.name).toBe(w.name("gone", "config"));
    const [run] = await readRuns(w.fixture.db, 1);
    expect(run).toMatchObject({ outcome: "Failed" });
    expect(run?.error).toMatch(/cluster local not swept/);
  });

  it("hands the lease over: a released lease is free at once, a held one is not, an expired one is", async () => {
    const w = await world("sw_leases");
    const db = w.fixture.db;
    // Back to back, faster than the columns' millisecond precision: a release must never look unexpired.
    for (let i = 0; i < 20; i++) {
      expect(await acquireLease(db, "t", `h${i}`, 60)).toEqual({ acquired: true });
      await releaseLease(db, "t", `h${i}`);
    }
    expect((await acquireLease(db, "t", "first", 60)).acquired).toBe(true);
    expect(await acquireLease(db, "t", "second", 60)).toMatchObject({ acquired: false, holder: "first" });
    expect(await renewLease(db, "t", "first", 60)).toBe(true);
    expect(await renewLease(db, "t", "second", 60)).toBe(false);
    // The same holder may take its own lease again (a retried start).
    expect((await acquireLease(db, "t", "first", 60)).acquired).toBe(true);
    expect((await acquireLease(db, "short", "a", 1)).acquired).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await acquireLease(db, "short", "b", 60)).acquired).toBe(true);
    expect(await leaseHolder(db, "short")).toMatchObject({ holder: "b" });
  });

  it("fans repairs out on the queue, and the marked inventory makes a plain reconcile repair them", async () => {
    const w = await world("sw_fanout");
    const sqs = sqsClient();
    const queues = new TestQueues(sqs);
    try {
      const queueUrl = await queues.create("sweep");
      await w.provision("a", "b", "c");
      await mergeAs(
        "kubectl-edit",
        w.namespace,
        w.name("a", "settings"),
        { [ANNOTATION_CONTENT_HASH]: "x" },
        { replicas: "5" },
      );
      await mergeAs("kubectl-annotate", w.namespace, w.name("a", "config"), {
        [ANNOTATION_CONTENT_HASH]: null,
      });
      await apps.deleteNamespacedDeployment({ name: w.name("b", "web"), namespace: w.namespace });
      await eventually("deployment gone", () =>
        gone(() => apps.readNamespacedDeployment({ name: w.name("b", "web"), namespace: w.namespace })),
      );

      const result = await w.sweep({ inline: false }, { sqs, queueUrl });
      expect(result.outcome).toBe("Done");
      expect(result.counts).toMatchObject({ tenantsToRepair: 2, enqueued: 2, enqueueFailed: 0, repaired: 0 });
      expect(result.writes).toBe(0);
      const messages = await queues.receive(queueUrl, 2);
      const bodies = messages.map((m) => parseTenantMessage(m.Body as string));
      expect(bodies.map((b) => b.tenant).sort()).toEqual(["a", "b"]);
      expect(bodies.every((b) => b.reason === "sweep")).toBe(true);
      expect(messages.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(["a", "b"]);
      expect(messages.map((m) => m.Attributes?.MessageDeduplicationId).sort()).toEqual([
        `sweep-${result.runId}-a`,
        `sweep-${result.runId}-b`,
      ]);
      const marks = (await readInventory(w.fixture.db, "a")).filter((e) =>
        e.contentHash.startsWith(DRIFT_MARK),
      );
      expect(marks.map((e) => e.resourceId).sort()).toEqual(["config", "settings"]);
      // The entry of an object deleted by hand goes, so the object is created afresh.
      expect((await readInventory(w.fixture.db, "b")).map((e) => e.resourceId)).not.toContain("web");

      // What the sync consumer does with each message: a plain reconcile, skipping unchanged objects.
      for (const body of bodies) await w.engine.reconcile(body.tenant);
      expect((await configMap(w, "a", "settings")).data).toEqual({ replicas: "1" });
      expect((await configMap(w, "a", "config")).metadata?.annotations?.[ANNOTATION_CONTENT_HASH]).toMatch(
        /^[0-9a-f]{64}$/,
      );
      expect(
        await gone(() => apps.readNamespacedDeployment({ name: w.name("b", "web"), namespace: w.namespace })),
      ).toBe(false);
      const after = await w.sweep({ inline: false }, { sqs, queueUrl });
      expect(after.counts.tenantsToRepair).toBe(0);
    } finally {
      await queues.deleteAll();
      sqs.destroy();
    }
  });
  it("runs as the sweep function: a schedule's event sweeps, {dryRun: true} only plans, a misspelt flag is refused", async () => {
    const w = await world("sw_fn");
    await w.provision("a");
    await core.deleteNamespacedConfigMap({ name: w.name("a", "config"), namespace: w.namespace });
    const fn = createSweepHandler({
      ...process.env,
      TENANT_SYNC_DATABASE_URL: w.fixture.scratch.url,
      TENANT_SYNC_TEMPLATES_DIR: w.dir,
      TENANT_SYNC_ACTIVE_COLUMN: "active",
      TENANT_SYNC_CLUSTER_COLUMN: "cluster",
      TENANT_SYNC_DEFAULT_CLUSTER: stack().clusterName,
      TENANT_SYNC_SWEEP_LABEL_SELECTOR: `${SCOPE_LABEL}=${w.run}`,
      TENANT_SYNC_SWEEP_INLINE: "true",
    });
    const context = lambdaContext("sweep", 900_000);

    const plan = await fn({ dryRun: true }, context);
    expect(plan).toMatchObject({ outcome: "DryRun", counts: { deletedByHand: 1, repaired: 0 } });
    await expect(fn({ dryrun: true }, context)).rejects.toThrow(/sweep expects .*dryrun/);
    expect(await gone(() => configMap(w, "a", "config"))).toBe(true);

    const scheduled = await fn(
      {
        version: "0",
        id: "e1",
        "detail-type": "Scheduled Event",
        source: "aws.events",
        account: "000000000000",
        time: new Date().toISOString(),
        region: "us-east-1",
        resources: ["arn:aws:events:us-east-1:000000000000:rule/sweep"],
        detail: {},
      },
      context,
    );
    expect(scheduled).toMatchObject({ outcome: "Done", counts: { deletedByHand: 1, repaired: 1 } });
    expect((await configMap(w, "a", "config")).data?.plan).toBe("basic");
    const [last] = await readRuns(w.fixture.db, 1);
    expect(last).toMatchObject({ outcome: "Done", deletedByHand: 1, repairedTenants: 1 });
  });
});
