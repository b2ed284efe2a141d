import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Phase } from "../../lib/db/status-store.ts";
import type { RolloutState } from "../../lib/rollout/model.ts";
import {
  type AdmittedTenant,
  planStep,
  progressOf,
  resolveWaveSize,
  type StepInput,
} from "../../lib/rollout/wave-plan.ts";

const A = "aaaaaaaaaaaa";
const B = "bbbbbbbbbbbb";

const tenant = (tenantKey: string, version: string | null, phase: Phase | null): AdmittedTenant => ({
  tenantKey,
  version,
  phase,
});

const input = (overrides: Partial<StepInput> = {}): StepInput => ({
  set: "app",
  fromVersion: A,
  toVersion: B,
  state: "Running",
  currentWave: 0,
  waveSize: 3,
  failureThreshold: 1,
  admitted: [],
  remaining: 10,
  candidates: ["t0", "t1", "t2", "t3"],
  ...overrides,
});

describe("progressOf", () => {
  it("is in progress until the status shows the new version, then done or failed by phase", () => {
    expect(progressOf(tenant("x", A, "Ready"), B)).toBe("inProgress");
    expect(progressOf(tenant("x", A, "Failed"), B)).toBe("inProgress");
    expect(progressOf(tenant("x", B, "Ready"), B)).toBe("done");
    expect(progressOf(tenant("x", B, "Failed"), B)).toBe("failed");
    expect(progressOf(tenant("x", B, "Conflicted"), B)).toBe("failed");
    expect(progressOf(tenant("x", B, "Progressing"), B)).toBe("inProgress");
  });

  it("counts a tenant without a status row, or Deleted, as done: nothing is left to move", () => {
    expect(progressOf(tenant("x", null, null), B)).toBe("done");
    expect(progressOf(tenant("x", A, "Deleted"), B)).toBe("done");
  });
});

describe("planStep", () => {
  it("admits the first wave from the front of the candidates", () => {
    const plan = planStep(input());
    expect(plan).toMatchObject({ state: "Running", wave: 1, admit: ["t0", "t1", "t2"], message: null });
    expect(plan.counts).toEqual({ admitted: 3, inProgress: 3, done: 0, failed: 0, remaining: 7 });
  });

  it("waits while any admitted tenant is in progress", () => {
    const plan = planStep(
      input({
        currentWave: 1,
        admitted: [tenant("t0", B, "Ready"), tenant("t1", A, "Ready"), tenant("t2", B, "Ready")],
        remaining: 7,
        candidates: ["t3", "t4", "t5"],
      }),
    );
    expect(plan).toMatchObject({ state: "Running", wave: 1, admit: [] });
    expect(plan.counts).toMatchObject({ inProgress: 1, done: 2, remaining: 7 });
  });

  it("admits the next wave once the previous one finished, failures within the threshold included", () => {
    const plan = planStep(
      input({
        currentWave: 1,
        admitted: [tenant("t0", B, "Ready"), tenant("t1", B, "Failed"), tenant("t2", B, "Ready")],
        remaining: 7,
        candidates: ["t3", "t4", "t5"],
      }),
    );
    expect(plan).toMatchObject({ wave: 2, admit: ["t3", "t4", "t5"], failedTenants: ["t1"] });
  });

  it("halts when failures pass the threshold, even mid-wave, with the numbers and how to resume", () => {
    const plan = planStep(
      input({
        currentWave: 1,
        admitted: [tenant("t0", B, "Failed"), tenant("t1", B, "Conflicted"), tenant("t2", A, "Ready")],
        remaining: 7,
      }),
    );
    expect(plan.state).toBe("Halted");
    expect(plan.admit).toEqual([]);
    expect(plan.message).toContain("2 of 3 admitted tenants failed on version bbbbbbbbbbbb");
    expect(plan.message).toContain('threshold of 1: "t0", "t1"');
    expect(plan.message).toContain("7 tenants stay on version aaaaaaaaaaaa");
    expect(plan.message).toContain('{"action":"resume","set":"app"}');
    expect(plan.message).toContain('"failureThreshold"');
  });

  it("is Done when nothing remains and nothing is in progress, naming failures within the threshold", () => {
    const plan = planStep(
      input({
        currentWave: 2,
        admitted: [tenant("t0", B, "Ready"), tenant("t1", B, "Failed")],
        remaining: 0,
        candidates: [],
      }),
    );
    expect(plan.state).toBe("Done");
    expect(plan.message).toBe(
      'all 2 admitted tenants moved to version bbbbbbbbbbbb; 1 of them failed there (within the threshold of 1): "t1"',
    );
  });

  it("admits nothing while the deployment does not ship the target version, and says so", () => {
    const plan = planStep(input({ deployedVersion: "cccccccccccc" }));
    expect(plan.admit).toEqual([]);
    expect(plan.state).toBe("Running");
    expect(plan.message).toContain("deployed template set app is version cccccccccccc");
  });

  it.each<RolloutState>(["Paused", "Halted", "Done"])("changes nothing when %s", (state) => {
    const plan = planStep(input({ state, admitted: [tenant("t0", B, "Failed"), tenant("t1", B, "Failed")] }));
    expect(plan).toMatchObject({ state, wave: 0, admit: [], message: undefined });
    expect(plan.counts.failed).toBe(2);
  });

  it("never has more than a wave in progress, whatever order tenants finish in", () => {
    // A whole rollout: each tick, the planner runs, then a random subset of the in-progress tenants
    // finishes (Ready or Failed). The invariant holds at every tick, and the rollout always ends.
    const scenario = fc.record({
      tenants: fc.integer({ min: 0, max: 40 }),
      waveSize: fc.integer({ min: 1, max: 7 }),
      threshold: fc.integer({ min: 0, max: 50 }),
      seed: fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), { minLength: 200, maxLength: 200 }),
    });
    fc.assert(
      fc.property(scenario, ({ tenants, waveSize, threshold, seed }) => {
        const keys = Array.from({ length: tenants }, (_, i) => `t${String(i).padStart(2, "0")}`);
        const status = new Map<string, AdmittedTenant>();
        let state: RolloutState = "Running";
        let wave = 0;
        for (let tick = 0; tick < 200 && state === "Running"; tick++) {
          const admitted = [...status.values()];
          const candidates = keys.filter((key) => !status.has(key));
          const plan = planStep(
            input({
              state,
              currentWave: wave,
              waveSize,
              failureThreshold: threshold,
              admitted,
              remaining: candidates.length,
              candidates: candidates.slice(0, waveSize),
            }),
          );
          expect(plan.counts.inProgress).toBeLessThanOrEqual(waveSize);
          expect(plan.admit.length).toBeLessThanOrEqual(waveSize);
          for (const key of plan.admit) status.set(key, tenant(key, A, "Ready"));
          ({ state, wave } = plan);
          for (const [index, entry] of [...status.values()].entries()) {
            const [finish, fail] = seed[(tick + index) % seed.length] as [boolean, boolean, boolean];
            if (entry.version === A && finish)
              status.set(entry.tenantKey, tenant(entry.tenantKey, B, fail ? "Failed" : "Ready"));
          }
        }
        const failed = [...status.values()].filter((entry) => entry.phase === "Failed").length;
        if (state === "Halted") expect(failed).toBeGreaterThan(threshold);
        else expect(state).toBe("Done");
      }),
      { numRuns: 200 },
    );
  });
});

describe("resolveWaveSize", () => {
  it("takes a count, or a share of the tenants rounded up to at least one", () => {
    expect(resolveWaveSize(5, 100)).toBe(5);
    expect(resolveWaveSize("10%", 95)).toBe(10);
    expect(resolveWaveSize("1%", 3)).toBe(1);
    expect(resolveWaveSize("100%", 0)).toBe(1);
  });

  it("refuses anything else, naming the field and the value", () => {
    expect(() => resolveWaveSize(0, 10)).toThrow(
      'waveSize must be a whole number of tenants of at least 1 or a share such as "10%" (over 0, at most 100%), got 0',
    );
    expect(() => resolveWaveSize(2.5, 10)).toThrow("got 2.5");
    expect(() => resolveWaveSize("0%", 10)).toThrow('got "0%"');
    expect(() => resolveWaveSize("150%", 10)).toThrow('got "150%"');
    expect(() => resolveWaveSize("ten", 10, "rollout of app: waveSize")).toThrow(
      "rollout of app: waveSize must be",
    );
  });
});
