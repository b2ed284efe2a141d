import { describe, expect, it } from "vitest";
import {
  ANNOTATION_BEHAVIOUR,
  ANNOTATION_READY_AFTER,
  planRollout,
  simulatorOptionsFromEnv,
} from "../../infra/stack/simulated-behaviour.ts";

const keys = Array.from({ length: 2000 }, (_, i) => `Deployment/t${i}/web`);

describe("the simulator's per-run behaviour", () => {
  it("without options, every rollout is ready at once (the demo's default)", () => {
    expect(planRollout({}, "Deployment/a/web", 1)).toEqual({ behaviour: "ready", delayMs: 0 });
  });

  it("draws delays from the range and shares of never-ready and crash-loop workloads, the same for a seed", () => {
    const options = {
      readySeconds: [5, 120] as [number, number],
      neverReadyShare: 0.05,
      crashLoopShare: 0.1,
      seed: 3,
    };
    const plans = keys.map((key) => planRollout(options, key, 1));
    expect(plans.every((p) => p.delayMs >= 5000 && p.delayMs <= 120_000)).toBe(true);
    const share = (b: string) => plans.filter((p) => p.behaviour === b).length / plans.length;
    expect(share("never-ready")).toBeGreaterThan(0.03);
    expect(share("never-ready")).toBeLessThan(0.07);
    expect(share("crash-loop")).toBeGreaterThan(0.07);
    expect(share("crash-loop")).toBeLessThan(0.13);
    expect(keys.map((key) => planRollout(options, key, 1))).toEqual(plans);
    expect(keys.map((key) => planRollout({ ...options, seed: 4 }, key, 1))).not.toEqual(plans);
    // Each rollout (generation) of one object draws its own delay.
    expect(planRollout(options, "Deployment/a/web", 2).delayMs).not.toBe(
      planRollout(options, "Deployment/a/web", 1).delayMs,
    );
  });

  it("an object's annotations pin its behaviour and delay over the run's", () => {
    const options = { readySeconds: 60, neverReadyShare: 1 };
    const pins = { [ANNOTATION_BEHAVIOUR]: "ready", [ANNOTATION_READY_AFTER]: "2" };
    expect(planRollout(options, "Deployment/a/web", 1, pins)).toEqual({ behaviour: "ready", delayMs: 2000 });
    expect(() => planRollout(options, "Deployment/a/web", 1, { [ANNOTATION_BEHAVIOUR]: "slow" })).toThrow(
      /Deployment\/a\/web sim.tenant-sync.io\/behaviour: behaviour "slow" is none of ready, never-ready, crash-loop/,
    );
  });

  it("reads the run's behaviour from TENANT_SYNC_SIM_* and rejects what it cannot read", () => {
    expect(simulatorOptionsFromEnv({})).toEqual({ neverReadyShare: undefined, crashLoopShare: undefined });
    expect(
      simulatorOptionsFromEnv({
        TENANT_SYNC_SIM_READY_SECONDS: "5-120",
        TENANT_SYNC_SIM_NEVER_READY_SHARE: "0.05",
        TENANT_SYNC_SIM_CRASHLOOP_SHARE: "0.01",
        TENANT_SYNC_SIM_SEED: "9",
      }),
    ).toEqual({ readySeconds: [5, 120], neverReadyShare: 0.05, crashLoopShare: 0.01, seed: 9 });
    expect(() => simulatorOptionsFromEnv({ TENANT_SYNC_SIM_READY_SECONDS: "soon" })).toThrow(
      /TENANT_SYNC_SIM_READY_SECONDS/,
    );
    expect(() => simulatorOptionsFromEnv({ TENANT_SYNC_SIM_CRASHLOOP_SHARE: "5" })).toThrow(
      /between 0 and 1/,
    );
  });
});
