import { TenantSyncError } from "../errors.ts";

export interface GraphNode {
  id: string;
  dependsOn: readonly string[];
}

/**
 * Every dependency cycle, each as a path that returns to its start (`a -> b -> a` is ["a", "b", "a"]),
 * where each node depends on the next. Each cycle is reported once, starting at its first node in input
 * order. Unknown ids in dependsOn are ignored here; the loader reports them separately.
 */
export function findCycles(nodes: readonly GraphNode[]): string[][] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();

  const visit = (id: string): void => {
    state.set(id, "visiting");
    stack.push(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(dep)) continue;
      if (state.get(dep) === "visiting") {
        const cycle = stack.slice(stack.indexOf(dep));
        const key = [...cycle].sort().join("\u0000");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, dep]);
        }
      } else if (!state.has(dep)) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(id, "done");
  };
  for (const node of nodes) if (!state.has(node.id)) visit(node.id);
  return cycles;
}

/**
 * Groups ids into levels: level 0 depends on nothing, level n only on earlier levels. Everything in one
 * level can be applied concurrently. Within a level, input order is kept so the result is deterministic.
 * Throws on a cycle or an unknown dependency (a loaded TemplateSet has neither).
 */
export function topologicalLevels(nodes: readonly GraphNode[]): string[][] {
  const ids = new Set(nodes.map((node) => node.id));
  for (const node of nodes) {
    for (const dep of node.dependsOn) {
      if (!ids.has(dep)) {
        throw new TenantSyncError(`resource ${node.id} depends on unknown resource ${dep}`, {
          resource: node.id,
          field: "dependsOn",
        });
      }
    }
  }
  const placed = new Set<string>();
  const levels: string[][] = [];
  let remaining = [...nodes];
  while (remaining.length > 0) {
    const level = remaining
      .filter((node) => node.dependsOn.every((dep) => placed.has(dep)))
      .map((node) => node.id);
    if (level.length === 0) {
      const cycle = findCycles(remaining)[0] ?? remaining.map((node) => node.id);
      throw new TenantSyncError(`dependency cycle: ${cycle.join(" -> ")}`);
    }
    for (const id of level) placed.add(id);
    levels.push(level);
    remaining = remaining.filter((node) => !placed.has(node.id));
  }
  return levels;
}

/** Apply order: dependencies before dependents. */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  return topologicalLevels(nodes).flat();
}

/** Teardown levels: dependents before their dependencies (the apply levels reversed). */
export function teardownLevels(nodes: readonly GraphNode[]): string[][] {
  return topologicalLevels(nodes).reverse();
}

/** Teardown order: dependents before their dependencies. */
export function teardownOrder(nodes: readonly GraphNode[]): string[] {
  return teardownLevels(nodes).flat();
}

/** Every id that depends on `id`, directly or through others: what to skip when `id` fails. */
export function transitiveDependents(nodes: readonly GraphNode[], id: string): Set<string> {
  const dependents = new Set<string>();
  let frontier = [id];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const node of nodes) {
      if (dependents.has(node.id)) continue;
      if (node.dependsOn.some((dep) => frontier.includes(dep))) {
        dependents.add(node.id);
        next.push(node.id);
      }
    }
    frontier = next;
  }
  dependents.delete(id);
  return dependents;
}
