import { describe, expect, it } from "vitest";
import {
  findCycles,
  teardownLevels,
  teardownOrder,
  topologicalLevels,
  topologicalOrder,
  transitiveDependents,
} from "../../lib/templates/graph.ts";

const nodes = [
  { id: "deployment", dependsOn: ["configmap", "secret"] },
  { id: "namespace", dependsOn: [] },
  { id: "configmap", dependsOn: ["namespace"] },
  { id: "secret", dependsOn: ["namespace"] },
  { id: "ingress", dependsOn: ["service"] },
  { id: "service", dependsOn: ["namespace"] },
];

describe("dependency order", () => {
  it("groups into levels, keeping input order within a level", () => {
    expect(topologicalLevels(nodes)).toEqual([
      ["namespace"],
      ["configmap", "secret", "service"],
      ["deployment", "ingress"],
    ]);
    expect(topologicalOrder(nodes)).toEqual([
      "namespace",
      "configmap",
      "secret",
      "service",
      "deployment",
      "ingress",
    ]);
  });

  it("tears down dependents first", () => {
    expect(teardownLevels(nodes)).toEqual([
      ["deployment", "ingress"],
      ["configmap", "secret", "service"],
      ["namespace"],
    ]);
    const order = teardownOrder(nodes);
    expect(order.indexOf("deployment")).toBeLessThan(order.indexOf("configmap"));
    expect(order.at(-1)).toBe("namespace");
  });

  it("finds transitive dependents", () => {
    expect([...transitiveDependents(nodes, "namespace")].sort()).toEqual([
      "configmap",
      "deployment",
      "ingress",
      "secret",
      "service",
    ]);
    expect([...transitiveDependents(nodes, "service")]).toEqual(["ingress"]);
    expect(transitiveDependents(nodes, "ingress").size).toBe(0);
  });

  it("names each cycle once, as a path back to its start", () => {
    const cyclic = [
      { id: "a", dependsOn: ["b"] },
      { id: "b", dependsOn: ["c"] },
      { id: "c", dependsOn: ["a"] },
      { id: "d", dependsOn: ["d"] },
      { id: "e", dependsOn: ["a"] },
    ];
    expect(findCycles(cyclic)).toEqual([
      ["a", "b", "c", "a"],
      ["d", "d"],
    ]);
    expect(() => topologicalLevels(cyclic)).toThrow("dependency cycle: a -> b -> c -> a");
    expect(findCycles(nodes)).toEqual([]);
  });

  it("refuses unknown dependencies", () => {
    expect(() => topologicalOrder([{ id: "a", dependsOn: ["zzz"] }])).toThrow(
      "resource a depends on unknown resource zzz",
    );
  });
});
