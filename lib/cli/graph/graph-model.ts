import { topologicalLevels } from "../../templates/graph.ts";
import type { TemplateResource, TemplateSet } from "../../templates/model.ts";

export interface GraphNode {
  id: string;
  file: string;
  /** The object's kind as the template spells it, when it is literal text (`kind: Deployment`). */
  kind: string | null;
  dependsOn: string[];
  /** Apply level: 0 depends on nothing, n only on lower levels; one level is applied concurrently. */
  level: number;
  /** The policies that differ from the defaults, e.g. `creation: Once`. */
  policies: string[];
}

export interface GraphModel {
  set: string;
  version: string;
  nodes: GraphNode[];
  /** `from` is applied (and waited for) before `to`. */
  edges: { from: string; to: string }[];
  levels: string[][];
}

const KIND_LINE = /^kind:[ \t]*["']?([A-Za-z][A-Za-z0-9]*)["']?[ \t]*(#.*)?$/m;

/** The dependency graph of a set, in manifest order, with what a person needs to read it. */
export function graphModel(set: TemplateSet): GraphModel {
  const levels = topologicalLevels(set.resources);
  const levelOf = new Map(levels.flatMap((ids, level) => ids.map((id) => [id, level] as const)));
  return {
    set: set.name,
    version: set.version,
    nodes: set.resources.map((resource) => ({
      id: resource.id,
      file: resource.file,
      kind: KIND_LINE.exec(resource.source)?.[1] ?? null,
      dependsOn: [...resource.dependsOn],
      level: levelOf.get(resource.id) ?? 0,
      policies: policyNotes(resource),
    })),
    edges: set.resources.flatMap((resource) => resource.dependsOn.map((from) => ({ from, to: resource.id }))),
    levels,
  };
}

function policyNotes(resource: TemplateResource): string[] {
  const notes: string[] = [];
  if (resource.creation !== "WhenNeeded") notes.push(`creation: ${resource.creation}`);
  if (resource.deletion !== "Delete") notes.push(`deletion: ${resource.deletion}`);
  if (resource.conflict !== "Stuck") notes.push(`conflict: ${resource.conflict}`);
  if (!resource.readiness.wait) notes.push("readiness: no wait");
  else if (resource.readiness.condition) notes.push(`readiness: ${resource.readiness.condition}`);
  if (resource.ignoreFields.length > 0) notes.push(`ignores ${resource.ignoreFields.join(", ")}`);
  if (!resource.skipOnDependencyFailure) notes.push("applied even when a dependency failed");
  return notes;
}
