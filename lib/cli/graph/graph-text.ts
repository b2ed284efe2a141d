import type { GraphModel, GraphNode } from "./graph-model.ts";

export const GRAPH_FORMATS = ["mermaid", "dot"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** The lines of a node's label: id, kind and file, then its non-default policies. */
function labelLines(node: GraphNode): string[] {
  return [node.id, node.kind ? `${node.kind} · ${node.file}` : node.file, ...node.policies];
}

/**
 * Mermaid flowchart, top to bottom in apply order. Node names are n0, n1… because resource ids may contain
 * `-`, which Mermaid reads as part of an arrow; labels are quoted and escaped as HTML entities.
 */
export function toMermaid(model: GraphModel): string {
  const name = new Map(model.nodes.map((node, index) => [node.id, `n${index}`]));
  const html = (text: string) =>
    text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  const lines = [`%% template set ${model.set}, version ${model.version}`, "flowchart TD"];
  for (const node of model.nodes) {
    lines.push(`  ${name.get(node.id)}["${labelLines(node).map(html).join("<br/>")}"]`);
  }
  for (const edge of model.edges) lines.push(`  ${name.get(edge.from)} --> ${name.get(edge.to)}`);
  return `${lines.join("\n")}\n`;
}

/** Graphviz DOT, dependencies pointing at their dependents; nodes of one apply level share a rank. */
export function toDot(model: GraphModel): string {
  const dotText = (text: string) => text.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
  const quote = (text: string) => `"${dotText(text)}"`;
  const lines = [
    `// template set ${model.set}, version ${model.version}`,
    `digraph ${quote(model.set)} {`,
    "  rankdir=TB;",
    "  node [shape=box];",
  ];
  for (const node of model.nodes) {
    // \n inside a DOT string is a line break.
    lines.push(`  ${quote(node.id)} [label="${labelLines(node).map(dotText).join("\\n")}"];`);
  }
  for (const edge of model.edges) lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)};`);
  for (const level of model.levels) {
    if (level.length > 1) lines.push(`  { rank=same; ${level.map(quote).join("; ")}; }`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

export function graphText(model: GraphModel, format: GraphFormat): string {
  return format === "dot" ? toDot(model) : toMermaid(model);
}
