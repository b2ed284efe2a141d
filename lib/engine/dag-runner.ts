import pLimit from "p-limit";

export type NodeResult = "ok" | "failed" | "conflicted" | "skipped";

export interface DagNode {
  id: string;
  dependsOn: readonly string[];
  /** Run even when a dependency failed (skipOnDependencyFailure: false). */
  runDespiteFailedDependencies?: boolean;
}

/**
 * Runs every node once, each as soon as all of its dependencies are done, at most `concurrency` at a time.
 * A node whose dependency did not end "ok" is skipped unless it asks to run anyway. Independent branches
 * carry on whatever happens elsewhere. The graph must be acyclic (the template loader guarantees it).
 */
export async function runDag(
  nodes: readonly DagNode[],
  run: (id: string) => Promise<Exclude<NodeResult, "skipped">>,
  concurrency: number,
): Promise<Map<string, NodeResult>> {
  const limit = pLimit(Math.max(1, concurrency));
  const results = new Map<string, NodeResult>();
  const started = new Map<string, Promise<NodeResult>>();
  const byId = new Map(nodes.map((node) => [node.id, node]));

  const start = (id: string): Promise<NodeResult> => {
    let pending = started.get(id);
    if (pending) return pending;
    const node = byId.get(id);
    if (!node) throw new Error(`dependency ${id} is not part of the graph`);
    pending = Promise.all(node.dependsOn.map(start)).then(async (dependencyResults) => {
      const blocked = dependencyResults.some((result) => result !== "ok");
      const result: NodeResult =
        blocked && !node.runDespiteFailedDependencies
          ? "skipped"
          : await limit(() => run(id).catch(() => "failed" as const));
      results.set(id, result);
      return result;
    });
    started.set(id, pending);
    return pending;
  };

  await Promise.all(nodes.map((node) => start(node.id)));
  return results;
}

/** Groups of ids that can be removed together, dependents before their dependencies (teardown order). */
export function teardownLevels(nodes: readonly DagNode[]): string[][] {
  const ids = new Set(nodes.map((node) => node.id));
  const dependents = new Map<string, number>();
  for (const id of ids) dependents.set(id, 0);
  for (const node of nodes) {
    for (const dependency of node.dependsOn) {
      if (ids.has(dependency)) dependents.set(dependency, (dependents.get(dependency) ?? 0) + 1);
    }
  }
  const levels: string[][] = [];
  const remaining = new Map(nodes.map((node) => [node.id, node]));
  while (remaining.size > 0) {
    const level = [...remaining.keys()].filter((id) => dependents.get(id) === 0).sort();
    // Unknown or cyclic leftovers (an inventory from an older template) still get removed, last.
    const batch = level.length > 0 ? level : [...remaining.keys()].sort();
    for (const id of batch) {
      for (const dependency of remaining.get(id)?.dependsOn ?? []) {
        if (dependents.has(dependency)) dependents.set(dependency, (dependents.get(dependency) ?? 1) - 1);
      }
      remaining.delete(id);
    }
    levels.push(batch);
  }
  return levels;
}
