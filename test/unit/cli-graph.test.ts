import { describe, expect, it } from "vitest";
import { graphModel } from "../../lib/cli/graph/graph-model.ts";
import { toDot, toMermaid } from "../../lib/cli/graph/graph-text.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { inlineSet } from "./template-fixtures.ts";

function sampleSet(): TemplateSet {
  const set = inlineSet(
    {
      namespace: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n",
      "web-config": {
        source: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        dependsOn: ["namespace"],
      },
      deployment: {
        source: 'apiVersion: apps/v1\nkind: "Deployment"\nmetadata:\n  name: d\n',
        dependsOn: ["web-config", "namespace"],
      },
    },
    { name: "app" },
  );
  const resources = set.resources.map((r) =>
    r.id === "deployment" ? { ...r, creation: "Once" as const, ignoreFields: ["spec.replicas"] } : r,
  );
  return { ...set, resources };
}

describe("graph of a template set", () => {
  it("has nodes with kind, level and non-default policies, and an edge per dependency", () => {
    const model = graphModel(sampleSet());
    expect(model.levels).toEqual([["namespace"], ["web-config"], ["deployment"]]);
    expect(model.nodes.map((node) => [node.id, node.kind, node.level])).toEqual([
      ["namespace", "Namespace", 0],
      ["web-config", "ConfigMap", 1],
      ["deployment", "Deployment", 2],
    ]);
    expect(model.nodes[2]?.policies).toEqual(["creation: Once", "ignores spec.replicas"]);
    expect(model.edges).toEqual([
      { from: "namespace", to: "web-config" },
      { from: "web-config", to: "deployment" },
      { from: "namespace", to: "deployment" },
    ]);
  });

  it("prints Mermaid with safe node names and the ids in labels", () => {
    expect(toMermaid(graphModel(sampleSet()))).toBe(
      [
        "%% template set app, version 000000000000",
        "flowchart TD",
        '  n0["namespace<br/>Namespace · namespace.yaml.mustache"]',
        '  n1["web-config<br/>ConfigMap · web-config.yaml.mustache"]',
        '  n2["deployment<br/>Deployment · deployment.yaml.mustache<br/>creation: Once<br/>ignores spec.replicas"]',
        "  n0 --> n1",
        "  n1 --> n2",
        "  n0 --> n2",
        "",
      ].join("\n"),
    );
  });

  it("prints DOT with quoted ids and line breaks in labels", () => {
    const dot = toDot(graphModel(sampleSet()));
    expect(dot).toContain('digraph "app" {');
    expect(dot).toContain('"web-config" [label="web-config\\nConfigMap · web-config.yaml.mustache"];');
    expect(dot).toContain('"namespace" -> "web-config";');
    expect(dot).toContain('"web-config" -> "deployment";');
    expect(dot.trimEnd().endsWith("}")).toBe(true);
  });

  it("escapes quotes in Mermaid labels", () => {
    const set = inlineSet({ a: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n" });
    const model = graphModel({ ...set, resources: [{ ...set.resources[0], file: 'we"ird.yaml' } as never] });
    expect(toMermaid(model)).toContain("we&quot;ird.yaml");
  });
});
