import { describe, expect, it } from "vitest";
import { type NodeResult, runDag } from "../../lib/engine/dag-runner.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("runDag", () => {
  it("starts dependents only after their dependencies finished, and runs independent nodes concurrently", async () => {
    const events: string[] = [];
    let running = 0;
    let peak = 0;
    const nodes = [
      { id: "ns", dependsOn: [] },
      { id: "cm", dependsOn: ["ns"] },
      { id: "secret", dependsOn: ["ns"] },
      { id: "deploy", dependsOn: ["cm", "secret"] },
    ];
    const results = await runDag(
      nodes,
      async (id) => {
        events.push(`start ${id}`);
        running++;
        peak = Math.max(peak, running);
        await sleep(20);
        running--;
        events.push(`end ${id}`);
        return "ok";
      },
      4,
    );
    expect(events.indexOf("start cm")).toBeGreaterThan(events.indexOf("end ns"));
    expect(events.indexOf("start deploy")).toBeGreaterThan(events.indexOf("end cm"));
    expect(events.indexOf("start deploy")).toBeGreaterThan(events.indexOf("end secret"));
    expect(peak).toBe(2);
    expect([...results.values()]).toEqual(["ok", "ok", "ok", "ok"]);
  });

  it("never runs more than the concurrency bound", async () => {
    let running = 0;
    let peak = 0;
    const nodes = Array.from({ length: 12 }, (_, i) => ({ id: `n${i}`, dependsOn: [] }));
    await runDag(
      nodes,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        return "ok";
      },
      3,
    );
    expect(peak).toBe(3);
  });

  it("skips dependents of a failed or conflicted node while independent branches carry on", async () => {
    const outcome: Record<string, Exclude<NodeResult, "skipped">> = {
      a: "conflicted",
      b: "ok",
      c: "ok",
      d: "ok",
    };
    const ran: string[] = [];
    const results = await runDag(
      [
        { id: "a", dependsOn: [] },
        { id: "b", dependsOn: ["a"] },
        { id: "c", dependsOn: [] },
        { id: "d", dependsOn: ["a"], runDespiteFailedDependencies: true },
      ],
      async (id) => {
        ran.push(id);
        return outcome[id] as Exclude<NodeResult, "skipped">;
      },
      2,
    );
    expect(Object.fromEntries(results)).toEqual({ a: "conflicted", b: "skipped", c: "ok", d: "ok" });
    expect(ran).not.toContain("b");
  });

  it("turns a thrown error into a failed node", async () => {
    const results = await runDag(
      [{ id: "x", dependsOn: [] }],
      async () => {
        throw new Error("boom");
      },
      1,
    );
    expect(results.get("x")).toBe("failed");
  });
});
