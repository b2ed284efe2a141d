import pLimit from "p-limit";

/**
 * `waiting`: not done yet and not failed (applied but not ready within this invocation, or not started before
 * its deadline). A node whose dependency is waiting waits too: it is not run, and not counted as skipped.
 */
export type NodeResult = "ok" | "failed" | "conflicted" | "skipped" | "waiting";

export interface DagNode {
  id: string;
  dependsOn: readonly string[];
  /** Run even when a dependency failed (skipOnDependencyFailure: false). */
  runDespiteFailedDependencies?: boolean;
}

/**
 * Runs every node once, each as soon as all of its dependencies are done, at most `concurrency` at a time.
 * A node whose dependency failed (or was skipped) is skipped unless it asks to run anyway; otherwise a node
 * whose dependency is still waiting waits too. Independent branches carry on whatever happens elsewhere. The graph must be acyclic (the template loader guarantees it).
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
      const failed = dependencyResults.some((result) => result !== "ok" && result !== "waiting");
      const result: NodeResult =
        failed && !node.runDespiteFailedDependencies
          ? "skipped"
          : dependencyResults.includes("waiting")
            ? "waiting"
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
