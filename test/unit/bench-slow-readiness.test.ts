import { describe, expect, it } from "vitest";
import { lambdaScheduleMs, tenantQueueSettings } from "../../infra/serverless/settings.ts";
import { parseBenchOptions } from "../bench/options.ts";
import type { BenchReport, SlowReadinessRun } from "../bench/report-model.ts";
import { unmetSlowReadinessGoals } from "../bench/report-slow-readiness.ts";
import { markdownReport, textReport } from "../bench/report-tables.ts";
import { noRequests, RequestDeltas } from "../bench/request-tally.ts";

const run: SlowReadinessRun = {
  tenants: 1000,
  ready: 1000,
  seconds: 400,
  tenantsPerSecond: 2.5,
  rechecks: 3500,
  rechecked: 900,
  apiRequests: { ...noRequests(), get: 20_000, apply: 12_000, discovery: 10 },
  syncInvocations: 600,
  killed: { timeout: 0, outOfMemory: 0, crashed: 0 },
  deadLettered: 0,
  seenProgressing: 900,
  recheckedUnseen: 0,
  settings: {
    readySeconds: [30, 120],
    syncTimeoutSeconds: 60,
    relayScheduleSeconds: 60,
    relayScheduleFrom: "serverless.yml",
    recheckSeconds: [5, 60],
    syncInstances: 10,
  },
};

const report: BenchReport = {
  machine: {
    cpu: "Test CPU",
    cores: 2,
    memoryGiB: 24,
    os: "Linux",
    node: "24",
    kubernetes: "v1",
    postgres: "15",
    date: "d",
  },
  options: {},
  provisioning: [],
  slowReadiness: run,
  latency: null,
  memory: [],
  sections: {},
};

describe("slow-readiness benchmark", () => {
  it("prints its figures per tenant with the settings that make it slow, and the goals met", () => {
    const text = textReport(report);
    expect(text).toMatch(/slow readiness 1,000 tenants: first commit → all Ready\s+400\.0\s+s/);
    expect(text).toContain(
      "Deployments ready after 30–120 s (uniform); sync timeout 60 s enforced; relay every 60 s (serverless.yml)",
    );
    expect(text).toMatch(/slow readiness 1,000 tenants: whole pipeline\s+2\.50\s+tenants\/s/);
    expect(text).toMatch(
      /rechecks per tenant\s+3\.50\s+rechecks\s+3500 recheck outbox rows; 900 tenants rechecked/,
    );
    expect(text).toMatch(
      /API requests per tenant\s+32\.0\s+requests\s+get 20\.0, apply 12\.0, discovery 0\.0/,
    );
    expect(text).toMatch(
      /invocations killed\s+0\s+invocations\s+timeout 0, out of memory 0, crashed 0; of 600/,
    );
    expect(text).toMatch(/dead-lettered\s+0\s+messages/);
    expect(text).toMatch(
      /seen Progressing\s+900\s+tenants\s+.*0 rechecked tenants never seen Progressing; goals met/,
    );
    expect(markdownReport(report, [])).toContain(
      "| slow readiness 1,000 tenants: dead-lettered | 0 | messages |",
    );
  });

  it("names every goal of issue 14 the run missed", () => {
    expect(unmetSlowReadinessGoals(run)).toEqual([]);
    const missed = {
      ...run,
      ready: 990,
      killed: { timeout: 2, outOfMemory: 1, crashed: 0 },
      deadLettered: 4,
      recheckedUnseen: 100,
    };
    expect(unmetSlowReadinessGoals(missed)).toEqual([
      "10 of 1000 tenants not Ready",
      "3 invocations killed",
      "4 messages dead-lettered",
      "100 rechecked tenants never seen Progressing",
    ]);
    expect(textReport({ ...report, slowReadiness: missed })).toContain(
      "goals NOT met: 10 of 1000 tenants not Ready",
    );
  });

  it("counts each cluster client's requests once, a rebuilt client from zero", () => {
    const deltas = new RequestDeltas<{ counts: ReturnType<typeof noRequests> }>();
    const first = { counts: { ...noRequests(), get: 3, apply: 2 } };
    expect(deltas.take([first])).toMatchObject({ get: 3, apply: 2 });
    first.counts.get = 5;
    const rebuilt = { counts: { ...noRequests(), apply: 1 } };
    expect(deltas.take([first, rebuilt])).toMatchObject({ get: 2, apply: 1 });
    expect(deltas.take([first, rebuilt])).toEqual(noRequests());
  });

  it("keeps serverless.yml's relay schedule unless shortened on purpose, and takes the scenario's sizes", () => {
    expect(lambdaScheduleMs("relay")).toBe(60_000);
    expect(tenantQueueSettings()).toEqual({ visibilityTimeoutSeconds: 360, maxReceiveCount: 5 });
    const full = parseBenchOptions([]);
    expect(full).toMatchObject({
      slowTenants: 1000,
      slowReadySeconds: [30, 120],
      relayScheduleSeconds: undefined,
    });
    const quick = parseBenchOptions(["--quick", "--only", "slow-readiness"]);
    expect(quick).toMatchObject({ only: "slow-readiness", slowTenants: 100, slowReadySeconds: [20, 80] });
    expect(parseBenchOptions(["--relay-schedule-seconds", "10"]).relayScheduleSeconds).toBe(10);
  });
});
