import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dialect } from "../../lib/db/dialect.ts";
import type { Queryable } from "../../lib/db/queryable.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { ANNOTATION_TEMPLATE_VERSION } from "../../lib/kube/labels.ts";
import { createLog } from "../../lib/log.ts";
import { parseTenantMessage } from "../../lib/queue/message.ts";
import { pauseRollout, resumeRollout, startRollout } from "../../lib/rollout/control.ts";
import type { RolloutSummary } from "../../lib/rollout/model.ts";
import { handleRolloutRequest, parseRolloutRequest } from "../../lib/rollout/request.ts";
import { rolloutStatus, rolloutStep } from "../../lib/rollout/step.ts";
import { RolloutVersions } from "../../lib/rollout/version-resolver.ts";
import { recordTemplateVersions } from "../../lib/rollout/version-store.ts";
import type { Runtime } from "../../lib/runtime/runtime.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { TestQueues } from "../support/queues.ts";
import { adminKubeConfig, sqsClient, uniqueName } from "../support/stack.ts";

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const sqs = sqsClient();
const log = createLog("tenant-sync-rollout-test");
const WAVE = 5;
const BAD_PLAN = "bad plan";

/**
 * One ConfigMap per tenant in a shared namespace. `greeting` tells versions apart; version C also puts the
 * plan into a label, which fails to render for plans with a space (BAD_PLAN): a version that breaks some rows.
 */
function appSet(namespace: string, greeting: string, planLabel = false): Record<string, string> {
  return {
    "templateset.yaml": `name: app\nnamespace: ${namespace}\nresources:\n  - id: config\n    file: config.yaml.mustache\n`,
    "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: "cfg-{{id}}"
${planLabel ? '  labels:\n    plan: "{{plan}}"\n' : ""}data:
  greeting: ${greeting}
  plan: "{{plan}}"
  note: "{{note}}"
`,
  };
}

const keys = Array.from({ length: 30 }, (_, i) => `t${String(i).padStart(2, "0")}`);

describe.each<Dialect>(["postgres", "mysql"])("rollouts on %s", (dialect) => {
  let fixture: EngineFixture;
  let queues: TestQueues;
  let queueUrl: string;
  const namespace = uniqueName(`ro-${dialect === "postgres" ? "pg" : "my"}`);
  const resolver = () => new RolloutVersions({ db: fixture.db, log, cacheTtlMs: 0 });
  const versions: Record<"A" | "B" | "C", TemplateSet[]> = { A: [], B: [], C: [] };
  const version = (name: "A" | "B" | "C") => versions[name][0]?.version as string;

  beforeAll(async () => {
    fixture = await engineFixture(dialect, `rollout_${dialect}`);
    queues = new TestQueues(sqs);
    queueUrl = await queues.create("rollout");
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    versions.A = await fixture.loadSets(writeSets({ app: appSet(namespace, "hello-A") }));
    versions.B = await fixture.loadSets(writeSets({ app: appSet(namespace, "hello-B") }));
    versions.C = await fixture.loadSets(writeSets({ app: appSet(namespace, "hello-C", true) }));
    expect(new Set([version("A"), version("B"), version("C")]).size).toBe(3);
  });
  afterAll(async () => {
    await queues?.deleteAll();
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    await fixture?.close();
  });

  const configOf = async (tenant: string) => {
    const cm = await core.readNamespacedConfigMap({ name: `cfg-${tenant}`, namespace });
    return {
      greeting: cm.data?.greeting,
      note: cm.data?.note,
      version: cm.metadata?.annotations?.[ANNOTATION_TEMPLATE_VERSION],
    };
  };

  const statusOf = async () =>
    new Map((await readStatus(fixture.db, { templateSet: "app" })).map((row) => [row.tenantKey, row]));

  /** A consumer: takes the rollout's messages off the queue (asserting their reason) and returns the tenants. */
  async function takeMessages(expected: number): Promise<string[]> {
    const tenants: string[] = [];
    for (let attempt = 0; attempt < 20 && tenants.length < expected; attempt++) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages ?? []) {
        const parsed = parseTenantMessage(message.Body ?? "");
        expect(parsed.reason).toBe("rollout");
        tenants.push(parsed.tenant);
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
    return tenants.sort();
  }

  /** A step, with the invariant every step must keep: never more than a wave in progress. */
  async function step(rolloutId: number, deployed: "B" | "C"): Promise<RolloutSummary> {
    const summary = await rolloutStep(fixture.db, sqs, queueUrl, rolloutId, {
      deployedVersion: version(deployed),
    });
    expect(summary.inProgress).toBeLessThanOrEqual(WAVE);
    expect(summary.admittedNow.length).toBeLessThanOrEqual(WAVE);
    // Counted independently of the planner: only admitted tenants have reached the target version (u00 was
    // created during the first rollout, on its target).
    const onTarget = [...(await statusOf()).values()].filter(
      (row) => row.templateVersion === summary.toVersion && row.tenantKey !== "u00",
    );
    expect(onTarget.length).toBeLessThanOrEqual(summary.admitted);
    return summary;
  }

  it("moves tenants in waves of at most five, keeps the others on the old version, pauses and resumes", async () => {
    const engineA = fixture.engine(versions.A, { versionResolver: resolver() });
    for (const key of keys) await fixture.insert({ id: key, slug: key, plan: "basic" });
    await Promise.all(keys.map((key) => engineA.reconcile(key)));
    expect(await recordTemplateVersions(fixture.db, versions.A)).toEqual([]); // the resolver recorded A already
    expect(await configOf("t00")).toEqual({ greeting: "hello-A", note: "", version: version("A") });

    // Version B is deployed; the rollout starts from A.
    const engine = fixture.engine(versions.B, { versionResolver: resolver() });
    const rollout = await startRollout(fixture.db, {
      set: "app",
      fromVersion: version("A"),
      toVersion: version("B"),
      waveSize: WAVE,
      failureThreshold: 0,
    });
    expect(rollout).toMatchObject({ state: "Running", currentWave: 0, waveSize: WAVE });

    // A tenant created during the rollout has nothing to move: it starts on the new version.
    await fixture.insert({ id: "u00", slug: "u00", plan: "basic" });
    await engine.reconcile("u00");
    expect((await configOf("u00")).greeting).toBe("hello-B");

    const admittedSoFar: string[] = [];
    let waves = 0;
    for (let guard = 0; guard < 20; guard++) {
      const summary = await step(rollout.id, "B");
      if (summary.state === "Done") break;
      expect(summary.admittedNow).toEqual(keys.filter((k) => !admittedSoFar.includes(k)).slice(0, WAVE));
      admittedSoFar.push(...summary.admittedNow);
      waves++;
      expect(await takeMessages(summary.admittedNow.length)).toEqual(summary.admittedNow);

      // Part of the wave finishes: the next step must wait for the rest.
      const [first, ...rest] = summary.admittedNow;
      await engine.reconcile(first as string);
      if (rest.length > 0) {
        const waiting = await step(rollout.id, "B");
        expect(waiting).toMatchObject({ admittedNow: [], inProgress: rest.length, wave: summary.wave });
      }

      // A tenant not admitted yet changes meanwhile: its objects change, on the old version.
      const bystander = keys.find((k) => !admittedSoFar.includes(k));
      if (bystander) {
        await fixture.update(bystander, { note: `wave ${waves}` });
        await engine.reconcile(bystander);
        expect(await configOf(bystander)).toEqual({
          greeting: "hello-A",
          note: `wave ${waves}`,
          version: version("A"),
        });
        expect((await statusOf()).get(bystander)).toMatchObject({
          phase: "Ready",
          templateVersion: version("A"),
        });
      }
      await Promise.all(rest.map((key) => engine.reconcile(key)));
      for (const key of summary.admittedNow) expect((await configOf(key)).greeting).toBe("hello-B");

      if (waves === 2) {
        // Paused: nothing more is admitted, however often the schedule steps.
        expect((await pauseRollout(fixture.db, rollout.id)).state).toBe("Paused");
        for (let i = 0; i < 2; i++) {
          expect(await step(rollout.id, "B")).toMatchObject({
            state: "Paused",
            admittedNow: [],
            remaining: 20,
          });
        }
        await engine.reconcile("t29");
        expect((await configOf("t29")).greeting).toBe("hello-A");
        expect((await resumeRollout(fixture.db, rollout.id)).state).toBe("Running");
      }
    }
    expect(waves).toBe(6);
    const done = await rolloutStatus(fixture.db, rollout.id);
    expect(done).toMatchObject({
      state: "Done",
      wave: 6,
      admitted: 30,
      inProgress: 0,
      done: 30,
      failed: 0,
      remaining: 0,
    });
    expect(done.message).toBe(`all 30 admitted tenants moved to version ${version("B")}`);
    const statuses = await statusOf();
    for (const key of [...keys, "u00"]) {
      expect(statuses.get(key)).toMatchObject({ phase: "Ready", templateVersion: version("B") });
      expect((await configOf(key)).greeting).toBe("hello-B");
    }
  }, 180_000);

  it("halts once failures pass the threshold, admits no further wave, and finishes after the fix", async () => {
    const engineB = fixture.engine(versions.B, { versionResolver: resolver() });
    // Rows that version C cannot render; version B renders them fine.
    for (const key of ["t06", "t07", "t08"]) {
      await fixture.update(key, { plan: BAD_PLAN });
      await engineB.reconcile(key);
      expect((await statusOf()).get(key)).toMatchObject({ phase: "Ready", templateVersion: version("B") });
    }
    await recordTemplateVersions(fixture.db, versions.B);

    const engine = fixture.engine(versions.C, { versionResolver: resolver() });
    const rollout = await startRollout(fixture.db, {
      set: "app",
      fromVersion: version("B"),
      toVersion: version("C"),
      waveSize: WAVE,
      failureThreshold: 2,
    });
    const runWave = async () => {
      const summary = await step(rollout.id, "C");
      expect(await takeMessages(summary.admittedNow.length)).toEqual(summary.admittedNow);
      await Promise.all(summary.admittedNow.map((key) => engine.reconcile(key)));
      return summary;
    };
    expect((await runWave()).admittedNow).toEqual(["t00", "t01", "t02", "t03", "t04"]);
    expect((await runWave()).admittedNow).toEqual(["t05", "t06", "t07", "t08", "t09"]);
    const statuses = await statusOf();
    for (const key of ["t06", "t07", "t08"]) {
      expect(statuses.get(key)).toMatchObject({ phase: "Failed", templateVersion: version("C") });
    }

    const halted = await step(rollout.id, "C");
    expect(halted).toMatchObject({
      state: "Halted",
      admittedNow: [],
      admitted: 10,
      failed: 3,
      done: 7,
      inProgress: 0,
      remaining: 21, // t10..t29 and u00
      failedTenants: ["t06", "t07", "t08"],
    });
    expect(halted.message).toContain("3 of 10 admitted tenants failed");
    expect(halted.message).toContain(`{"action":"resume","set":"app"}`);
    // Halted stays halted: no further wave, and tenants not admitted stay on B even when they change.
    expect(await step(rollout.id, "C")).toMatchObject({ state: "Halted", admittedNow: [], admitted: 10 });
    await fixture.update("t20", { note: "during the halt" });
    await engine.reconcile("t20");
    expect(await configOf("t20")).toEqual({
      greeting: "hello-B",
      note: "during the halt",
      version: version("B"),
    });

    // The rows are fixed; the admitted tenants render C now, and a resume carries on from wave 3.
    for (const key of ["t06", "t07", "t08"]) {
      await fixture.update(key, { plan: "basic" });
      await engine.reconcile(key);
    }
    expect(await rolloutStatus(fixture.db, rollout.id)).toMatchObject({
      state: "Halted",
      failed: 0,
      done: 10,
    });
    await resumeRollout(fixture.db, rollout.id);
    let last: RolloutSummary | undefined;
    for (let guard = 0; guard < 10; guard++) {
      last = await runWave();
      if (last.state !== "Running") break;
    }
    expect(last).toMatchObject({ state: "Done", wave: 7, admitted: 31, done: 31, failed: 0, remaining: 0 });
    for (const key of [...keys, "u00"]) expect((await configOf(key)).greeting).toBe("hello-C");
  }, 180_000);

  it("refuses a second unfinished rollout of a set and an old version that is not stored", async () => {
    const start = (overrides: Partial<Parameters<typeof startRollout>[1]>) =>
      startRollout(fixture.db, {
        set: "app",
        fromVersion: version("C"),
        toVersion: version("A"),
        waveSize: "10%",
        failureThreshold: 0,
        ...overrides,
      });
    await expect(start({ fromVersion: "0123456789ab" })).rejects.toThrow(
      'rollout of template set "app": version 0123456789ab is not stored in tenant_sync_template_versions',
    );
    const first = await start({});
    expect(first.waveSize).toBe(4); // 10% of 31 tenants on C, rounded up
    await expect(start({})).rejects.toThrow(
      `rollout ${first.id} (Running, ${version("C")} → ${version("A")}) is not finished`,
    );
    const second = await start({ replace: true, waveSize: 2 });
    expect((await rolloutStatus(fixture.db, first.id)).state).toBe("Done");
    expect(second).toMatchObject({ state: "Running", waveSize: 2 });
    await pauseRollout(fixture.db, second.id);
  });

  it("reads rollouts at most once per cache period, and one query per tenant of a set in a rollout", async () => {
    // The rollout from the previous test (C → A, paused) is unfinished: tenants on C stay on C.
    const queries: string[] = [];
    const counting: Queryable = {
      dialect: fixture.db.dialect,
      query: (sql, params) => {
        queries.push(sql);
        return fixture.db.query(sql, params);
      },
      transaction: (fn) => fixture.db.transaction(fn),
    };
    let now = 0;
    const versionsResolver = new RolloutVersions({ db: counting, log, cacheTtlMs: 5_000, now: () => now });
    const engine = fixture.engine(versions.A, { versionResolver: versionsResolver });
    for (const key of ["t01", "t02", "t03"]) await engine.reconcile(key);
    const rolloutReads = () => queries.filter((sql) => /FROM tenant_sync_rollouts\b/.test(sql)).length;
    const tenantReads = () =>
      queries.filter((sql) => /LEFT JOIN tenant_sync_rollout_tenants/.test(sql)).length;
    expect(rolloutReads()).toBe(1);
    expect(tenantReads()).toBe(3);
    expect((await configOf("t01")).greeting).toBe("hello-C");
    expect((await statusOf()).get("t01")).toMatchObject({ phase: "Ready", templateVersion: version("C") });

    now += 5_000;
    await engine.reconcile("t04");
    expect(rolloutReads()).toBe(2);

    // A deployment that ships the rollout's from_version pins nothing, and asks nothing between refreshes.
    const sets = await versionsResolver.setsFor("t01", versions.C);
    expect(sets).toBe(versions.C); // C is the rollout's from_version: nothing to pin
    const before = queries.length;
    await versionsResolver.setsFor("t02", versions.C);
    expect(queries.length).toBe(before);
  });
  it("carries out the rollout function's requests, with versions taken from the deployment and the status table", async () => {
    // A runtime as the function has one: this deployment ships version A.
    const runtime = {
      db: fixture.db,
      sets: versions.A,
      sqs,
      log,
      config: { queueUrl },
    } as unknown as Runtime;
    const handle = (event: unknown) => handleRolloutRequest(runtime, parseRolloutRequest(event));
    expect(() => parseRolloutRequest({ action: "begin" })).toThrow(
      /rollout expects .*action: Invalid option/,
    );
    expect(() => parseRolloutRequest({ action: "start", waveSize: "ten" })).toThrow(/waveSize/);

    // The paused C → A rollout of the previous tests is listed, and blocks a plain start.
    const listed = await handle({ action: "status" });
    expect(listed.rollouts.map((r) => [r.set, r.state])).toEqual([["app", "Paused"]]);
    await expect(handle({ action: "start", set: "app" })).rejects.toThrow("is not finished");
    await expect(handle({ action: "start", set: "nope" })).rejects.toThrow(
      'rollout start: this deployment has no template set "nope" (it has app)',
    );

    // Started without versions: to the deployed A, from C (what most tenants run); the first wave goes out.
    const started = await handle({
      action: "start",
      set: "app",
      replace: true,
      waveSize: 10,
      failureThreshold: 1,
    });
    expect(started.rollouts[0]).toMatchObject({
      fromVersion: version("C"),
      toVersion: version("A"),
      state: "Running",
      wave: 1,
      admitted: 10,
      inProgress: 10,
      remaining: 21,
    });
    expect(await takeMessages(10)).toEqual(started.rollouts[0]?.admittedNow);

    // The schedule's step of every running rollout waits for the wave; pause and resume by set name.
    expect((await handle({ action: "step" })).rollouts[0]).toMatchObject({ wave: 1, admittedNow: [] });
    expect((await handle({ action: "pause", set: "app" })).rollouts[0]?.state).toBe("Paused");
    expect((await handle({ action: "status", set: "app" })).rollouts[0]).toMatchObject({
      state: "Paused",
      inProgress: 10,
    });
    expect((await handle({ action: "step" })).rollouts).toEqual([]);
    const resumed = await handle({ action: "resume", set: "app", failureThreshold: 3 });
    expect(resumed.rollouts[0]).toMatchObject({ state: "Running", admittedNow: [], inProgress: 10 });
  });
});
