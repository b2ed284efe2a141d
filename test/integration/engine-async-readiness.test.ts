/**
 * Issue 14, parts 2 and 3: a reconcile ends by its invocation's deadline, and readiness that takes longer is
 * awaited asynchronously: Progressing in tenant_sync_status, a recheck row in the outbox that the relay sends
 * only once its not_before has passed, and the readiness timeout counted across invocations from the apply.
 */
import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { readStatus, upsertStatus } from "../../lib/db/status-store.ts";
import { Engine } from "../../lib/engine/engine.ts";
import type { RecheckSettings } from "../../lib/engine/recheck.ts";
import { createLog } from "../../lib/log.ts";
import { relayOutbox } from "../../lib/pipeline/outbox/relay.ts";
import { processBatch } from "../../lib/pipeline/sync/sync-batch.ts";
import { PROGRESSING_STALE_SECONDS, readFailingTenants } from "../../lib/sweep/retry-store.ts";
import { DIALECTS } from "../support/databases.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { TestQueues } from "../support/queues.ts";
import { adminKubeConfig, sqsClient, uniqueName } from "../support/stack.ts";
import { exists, markDeploymentReady } from "../support/workloads.ts";

const kubeconfig = adminKubeConfig();
const core = kubeconfig.makeApiClient(CoreV1Api);
const _apps = kubeconfig.makeApiClient(AppsV1Api);
const log = createLog("tenant-sync-test");

/** A namespace, a Deployment that must be ready, and a ConfigMap that depends on it. */
const slowSet = (timeoutSeconds: number) => ({
  "templateset.yaml": `name: slow
namespace: "{{#dnsLabel}}ar-{{slug}}{{/dnsLabel}}"
resources:
  - id: namespace
    file: namespace.yaml.mustache
  - id: db
    file: db.yaml.mustache
    dependsOn: [namespace]
    readiness: { wait: true, timeoutSeconds: ${timeoutSeconds} }
  - id: config
    file: config.yaml.mustache
    dependsOn: [db]
`,
  "namespace.yaml.mustache": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{namespace}}\n",
  "db.yaml.mustache": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  replicas: 1
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      containers:
        - name: db
          image: "postgres:{{plan}}"
`,
  "config.yaml.mustache":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  plan: {{plan}}\n",
});

interface OutboxRecheck {
  id: string;
  operation: string;
  sent_at: unknown;
  not_before: unknown;
}

describe.each(DIALECTS)("asynchronous readiness on %s", (dialect) => {
  let fixture: EngineFixture;
  const sqs = sqsClient();
  const queues = new TestQueues(sqs);
  const run = uniqueName("a");
  const slug = (name: string) => `${name}-${run}`;
  const ns = (name: string) => `ar-${slug(name)}`;

  const engineFor = async (timeoutSeconds: number, recheck?: RecheckSettings) =>
    new Engine({
      sets: await fixture.loadSets(writeSets({ slow: slowSet(timeoutSeconds) })),
      db: fixture.db,
      source: fixture.source,
      clusters: fixture.clusters,
      log,
      ...(recheck ? { recheck } : {}),
    });
  const rechecks = async (tenantKey: string) =>
    (
      await fixture.db.query<OutboxRecheck>(
        "SELECT id, operation, sent_at, not_before FROM tenant_sync_outbox WHERE tenant_key = $1 ORDER BY id",
        [tenantKey],
      )
    ).rows;
  const configExists = (name: string) =>
    exists(() => core.readNamespacedConfigMap({ name: "config", namespace: ns(name) }));

  beforeAll(async () => {
    fixture = await engineFixture(dialect, `async_ready_${dialect}`);
  });
  afterAll(async () => {
    await fixture?.close();
    await queues.deleteAll();
    await Promise.all(
      ["slowpoke", "timeout"].map((name) => core.deleteNamespace({ name: ns(name) }).catch(() => undefined)),
    );
  });

  it("a Deployment slower than the invocation: Progressing with a recheck row the relay holds until due, then Ready on the recheck", async () => {
    // A readiness timeout of 300 s and an invocation with 2 s left: the deadline must bound the wait.
    // The recheck waits long (it is brought forward below), so the relay's "not yet" cannot race the clock.
    const engine = await engineFor(300, { initialSeconds: 600, maxSeconds: 600 });
    await fixture.insert({ id: "slowpoke", slug: slug("slowpoke"), plan: "16" });

    const deadline = Date.now() + 2000;
    const first = await engine.reconcile("slowpoke", { deadline });
    const states = Object.fromEntries((first.sets[0]?.resources ?? []).map((r) => [r.resourceId, r.state]));
    expect(states).toEqual({ namespace: "ready", db: "progressing", config: "pending" });
    expect(first.retryable).toBe(false);
    const [status] = await readStatus(fixture.db, { tenantKey: "slowpoke" });
    expect(status?.phase).toBe("Progressing");
    expect(status?.message).toContain(
      `awaiting readiness of apps/v1 Deployment ${ns("slowpoke")}/db since 20`,
    );
    expect(status?.message).toContain("not applied yet: config");
    expect(await configExists("slowpoke")).toBe(false);
    const [recheck, ...more] = await rechecks("slowpoke");
    expect(more).toEqual([]);
    expect(recheck).toMatchObject({ operation: "recheck", sent_at: null });
    expect(recheck?.not_before).not.toBeNull();

    // Not due yet: the relay leaves it.
    const queueUrl = await queues.create("async-ready");
    expect(await relayOutbox(fixture.db, sqs, queueUrl)).toMatchObject({ sent: 0, failed: 0 });
    expect((await rechecks("slowpoke"))[0]?.sent_at).toBeNull();

    // Meanwhile the Deployment becomes ready; time passes (compressed: the row is made due).
    await markDeploymentReady(ns("slowpoke"), "db");
    const dbEntry = (await readInventory(fixture.db, "slowpoke")).find((e) => e.resourceId === "db");
    await fixture.db.query(
      `UPDATE tenant_sync_outbox SET not_before = ${dialect === "postgres" ? "now()" : "UTC_TIMESTAMP(3)"} WHERE id = $1`,
      [recheck?.id],
    );
    expect(await relayOutbox(fixture.db, sqs, queueUrl)).toMatchObject({ sent: 1, failed: 0 });

    // The sync consumer, as the Lambda runs it.
    const [message, ...others] = await queues.receive(queueUrl, 1);
    expect(others).toEqual([]);
    expect(JSON.parse(message?.Body as string)).toMatchObject({ tenant: "slowpoke", reason: "recheck" });
    const batchDeadline = Date.now() + 20_000;
    const batch = await processBatch(
      [
        {
          messageId: message?.MessageId as string,
          body: message?.Body as string,
          groupId: "slowpoke",
          receiveCount: 1,
        },
      ],
      (key) => engine.reconcile(key, { deadline: batchDeadline }),
      log,
      { deadline: batchDeadline },
    );
    // Handled: the message is deleted, never returned towards the dead-letter queue.
    expect(batch.failed).toEqual([]);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }));
    const [second] = batch.outcomes;
    expect(second?.sets.map((s) => s.phase)).toEqual(["Ready"]);
    // Only the dependent was written: the Deployment was found applied and read, not applied again.
    expect(second?.writes).toBe(1);
    expect(await configExists("slowpoke")).toBe(true);
    const dbAfter = (await readInventory(fixture.db, "slowpoke")).find((e) => e.resourceId === "db");
    expect(dbAfter).toEqual(dbEntry);
    expect((await readStatus(fixture.db, { tenantKey: "slowpoke" }))[0]).toMatchObject({
      phase: "Ready",
      message: null,
    });

    // Steady state: nothing awaited, no write and no further recheck row.
    const steady = await engine.reconcile("slowpoke", { deadline: Date.now() + 20_000 });
    expect(steady.writes).toBe(0);
    expect((await rechecks("slowpoke")).filter((r) => r.sent_at === null)).toEqual([]);
  });

  it("the readiness timeout counts across invocations from the apply: Failed after timeoutSeconds, dependents Skipped", async () => {
    const engine = await engineFor(3);
    await fixture.insert({ id: "timeout", slug: slug("timeout"), plan: "16" });
    // Invocations of 1 s each, shorter than the 3 s timeout: only a clock that started at the apply can end.
    const phases: string[] = [];
    let last: Awaited<ReturnType<Engine["reconcile"]>> | undefined;
    for (let invocation = 0; invocation < 30 && last?.sets[0]?.phase !== "Failed"; invocation++) {
      last = await engine.reconcile("timeout", { deadline: Date.now() + 1000 });
      phases.push(last.sets[0]?.phase ?? "none");
    }
    expect(phases[0]).toBe("Progressing");
    expect(phases.at(-1)).toBe("Failed");
    expect(phases.length).toBeGreaterThan(1);
    const states = Object.fromEntries((last?.sets[0]?.resources ?? []).map((r) => [r.resourceId, r.state]));
    expect(states).toEqual({ namespace: "ready", db: "failed", config: "skipped" });
    expect(last?.sets[0]?.resources.find((r) => r.resourceId === "db")).toMatchObject({ transient: false });
    expect(last?.retryable).toBe(false);
    const [status] = await readStatus(fixture.db, { tenantKey: "timeout" });
    expect(status).toMatchObject({ phase: "Failed", failed: 1, skipped: 1 });
    expect(status?.message).toMatch(/db: apps\/v1 Deployment .*\/db not ready after 3s/);
    expect(await configExists("timeout")).toBe(false);

    // It recovers once ready, as the sweep's retry of Failed tenants reconciles it.
    await markDeploymentReady(ns("timeout"), "db");
    const healed = await engine.reconcile("timeout", { skipUnchanged: false, deadline: Date.now() + 20_000 });
    expect(healed.sets.map((s) => s.phase)).toEqual(["Ready"]);
    expect(await configExists("timeout")).toBe(true);
  });

  it("a Progressing tenant whose recheck row was lost is picked up by the sweep's retry; one being rechecked is not", async () => {
    const row = (tenantKey: string) => ({
      tenantKey,
      templateSet: "slow",
      phase: "Progressing" as const,
      desired: 3,
      ready: 1,
      failed: 0,
      skipped: 0,
      appliedHash: null,
      templateVersion: "v1",
      message: "db: awaiting readiness",
      cluster: "local",
    });
    await upsertStatus(fixture.db, [row("lost-recheck"), row("rechecked")]);
    // No recheck has rewritten this row for longer than the staleness (a database restored from a backup).
    const past = PROGRESSING_STALE_SECONDS + 60;
    await fixture.db.query(
      `UPDATE tenant_sync_status SET updated_at = ${
        dialect === "postgres"
          ? `now() - interval '${past} seconds'`
          : `UTC_TIMESTAMP(3) - INTERVAL ${past} SECOND`
      } WHERE tenant_key = $1`,
      ["lost-recheck"],
    );
    const failing = (await readFailingTenants(fixture.db)).tenants.map((t) => t.tenantKey);
    expect(failing).toContain("lost-recheck");
    expect(failing).not.toContain("rechecked");
  });
});
