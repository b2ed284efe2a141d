import type { AppliedEntry, InventoryEntry } from "../db/inventory-store.ts";
import { describeApiError, isTransient } from "../kube/api-errors.ts";
import type { ClusterClient } from "../kube/cluster-client.ts";
import type { NamespaceGuard } from "../kube/manager/namespace-guard.ts";
import type { ResourceManager } from "../kube/manager/resource-manager.ts";
import { describeRef, type ObjectRef, refOf, sameObjectRef } from "../kube/object-ref.ts";
import type { TemplateSet } from "../templates/model.ts";
import type { TenantRender } from "../templates/render.ts";
import { runDag } from "./dag-runner.ts";
import { finalizeObject } from "./desired.ts";
import { APPLY_PENDING } from "./intent.ts";
import type { ResourceOutcome } from "./outcome.ts";

export interface ApplySetInput {
  /** This tenant's manager on the tenant's cluster (its context decides dry runs and namespaces). */
  manager: ResourceManager;
  set: TemplateSet;
  render: TenantRender;
  /** This tenant's inventory entries of this set, by resource id (any cluster). */
  inventory: ReadonlyMap<string, InventoryEntry>;
  skipUnchanged: boolean;
  concurrency: number;
  /** The manager's, told of each Namespace applied so none of them is read again. */
  namespaces: NamespaceGuard;
  /**
   * Epoch ms this invocation must be done by: no resource starts after it, no readiness wait lasts past it. A
   * resource not ready by then is `progressing`, its dependents `pending` (the recheck goes on). None: wait up
   * to each resource's readiness timeout.
   */
  deadline?: number;
}

export interface AppliedSet {
  resources: ResourceOutcome[];
  /** Inventory entries to record: new or changed objects. */
  entries: AppliedEntry[];
  /** What each rendered resource is now, to tell which inventory entries became stale. */
  refs: Map<string, ObjectRef>;
  hashes: Map<string, string>;
}

export function refOfEntry(
  entry: Pick<InventoryEntry, "apiVersion" | "kind" | "name"> & { namespace?: string | null },
): ObjectRef {
  return {
    apiVersion: entry.apiVersion,
    kind: entry.kind,
    namespace: entry.namespace || undefined,
    name: entry.name,
  };
}

/** The entry names this object on this cluster, under this or another version of its group. */
export function sameObject(entry: InventoryEntry, cluster: string, ref: ObjectRef): boolean {
  return entry.cluster === cluster && sameObjectRef(refOfEntry(entry), ref);
}

/**
 * Applies one template set for one tenant: its resources as a DAG (independent ones concurrently,
 * dependents once their dependencies are ready), each by its policies. Never throws for a resource's
 * failure: it becomes that resource's outcome and skips its dependents. A resource whose readiness the
 * deadline cuts short is `progressing` and its dependents `pending`: neither failed nor skipped.
 */
export async function applySet(input: ApplySetInput): Promise<AppliedSet> {
  const { manager, set, render } = input;
  const client = manager.client;
  const cluster = client.name;
  const dryRun = manager.context.dryRun ?? false;
  const outcomes = new Map<string, ResourceOutcome>();
  const entries: AppliedEntry[] = [];
  const refs = new Map<string, ObjectRef>();
  const hashes = new Map<string, string>();
  const renders = new Map(render.resources.map((r) => [r.resourceId, r]));

  const pastDeadline = () => input.deadline !== undefined && Date.now() >= input.deadline;
  const postpone = (resourceId: string, message: string) => {
    outcomes.set(resourceId, { resourceId, state: "pending", transient: false, wrote: false, message });
    return "waiting" as const;
  };
  const fail = (resourceId: string, message: string, transient = false) => {
    // A request cut short by the deadline (cluster-client.ts) is not the cluster's fault: the recheck goes on.
    if (transient && pastDeadline()) return postpone(resourceId, `${message} (at the invocation's deadline)`);
    outcomes.set(resourceId, { resourceId, state: "failed", transient, wrote: false, message });
    return "failed" as const;
  };

  const run = async (resourceId: string) => {
    if (pastDeadline()) return postpone(resourceId, "not started before the invocation's deadline");
    const resource = set.resources.find((r) => r.id === resourceId);
    const rendered = renders.get(resourceId);
    if (!resource || !rendered) return fail(resourceId, "resource is missing from the rendered set");
    if (!rendered.ok) return fail(resourceId, rendered.error.message);
    let mapping: Awaited<ReturnType<ClusterClient["mapping"]>>;
    try {
      mapping = await client.mapping(rendered.object.apiVersion, rendered.object.kind);
    } catch (error) {
      return fail(resourceId, describeApiError(error), isTransient(error));
    }
    const desired = finalizeObject(rendered.object, mapping, {
      tenantKey: render.tenantKey,
      templateSet: set.name,
      templateVersion: set.version,
      resourceId,
      defaultNamespace: render.defaultNamespace,
    });
    if (!desired.ok) return fail(resourceId, desired.message);
    const ref = refOf(desired.object);
    refs.set(resourceId, ref);
    hashes.set(resourceId, desired.hash);
    const previous = input.inventory.get(resourceId);
    // An entry written ahead of a first apply that never finished does not make the object known.
    const known =
      previous !== undefined && previous.contentHash !== APPLY_PENDING && sameObject(previous, cluster, ref);
    const unchanged = known && previous?.contentHash === desired.hash;
    // The readiness timeout counts from when this content was applied, across invocations (rechecks).
    const appliedAt = unchanged ? Date.parse(previous.appliedAt) : Date.now();
    const applied = await manager.apply(desired.object, resource, {
      templateSet: set.name,
      known,
      unchanged,
      skipUnchanged: input.skipUnchanged,
    });
    if (applied.action === "conflicted") {
      outcomes.set(resourceId, {
        resourceId,
        state: "conflicted",
        transient: false,
        wrote: false,
        message: applied.message,
      });
      return "conflicted" as const;
    }
    if (applied.action === "failed") return fail(resourceId, applied.message, applied.transient);
    if (ref.kind === "Namespace" && ref.apiVersion === "v1") input.namespaces.applied(ref.name);
    if (applied.live.metadata?.deletionTimestamp && !dryRun) {
      // Still being deleted (e.g. a Namespace terminating from a teardown just before): what is applied now
      // would vanish with it, so retry once it is gone rather than report Ready.
      return fail(
        resourceId,
        `${describeRef(refOf(applied.live))} is being deleted; retried once it is gone`,
        true,
      );
    }
    if (!dryRun && !unchanged) {
      entries.push({
        cluster,
        tenantKey: render.tenantKey,
        templateSet: set.name,
        resourceId,
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        namespace: ref.namespace ?? "",
        name: ref.name,
        contentHash: desired.hash,
        deletionPolicy: resource.deletion,
        dependsOn: [...resource.dependsOn],
        appliedAt: new Date(appliedAt),
      });
    }
    if (resource.readiness.wait && !dryRun) {
      const readiness = await manager.wait(applied.live, resource.readiness, {
        since: appliedAt,
        deadline: input.deadline,
      });
      if (readiness.state === "waiting") {
        outcomes.set(resourceId, {
          resourceId,
          state: "progressing",
          transient: false,
          wrote: applied.wrote,
          awaiting: {
            object: describeRef(ref),
            since: appliedAt,
            timeoutAt: appliedAt + resource.readiness.timeoutSeconds * 1000,
            reason: readiness.reason,
          },
        });
        return "waiting" as const;
      }
      if (readiness.state !== "ready") {
        outcomes.set(resourceId, {
          resourceId,
          state: "failed",
          transient: readiness.state === "failed" && readiness.transient === true,
          wrote: applied.wrote,
          message: readiness.reason,
        });
        return "failed" as const;
      }
    }
    outcomes.set(resourceId, { resourceId, state: "ready", transient: false, wrote: applied.wrote });
    return "ok" as const;
  };

  const results = await runDag(
    set.resources.map((r) => ({
      id: r.id,
      dependsOn: r.dependsOn,
      runDespiteFailedDependencies: !r.skipOnDependencyFailure,
    })),
    run,
    input.concurrency,
  );
  const resources = set.resources.map((r): ResourceOutcome => {
    const outcome = outcomes.get(r.id);
    if (outcome) return outcome;
    // A template that cannot render for this tenant is reported even when a dependency also failed.
    const rendered = renders.get(r.id);
    if (rendered && !rendered.ok) {
      return {
        resourceId: r.id,
        state: "failed",
        transient: false,
        wrote: false,
        message: rendered.error.message,
      };
    }
    const result = results.get(r.id);
    const state = result === "skipped" ? "skipped" : result === "waiting" ? "pending" : "failed";
    return { resourceId: r.id, state, transient: false, wrote: false };
  });
  return { resources, entries, refs, hashes };
}
