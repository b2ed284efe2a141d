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
    // Internal invariant, plain Error: the loader refuses sets whose dependsOn names an unknown resource.
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
