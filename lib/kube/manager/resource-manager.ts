import type { ClusterClient } from "../cluster-client.ts";
import { describeRef, type KubeObject, type ObjectRef, refOf } from "../object-ref.ts";
import type { ResourcePolicy } from "../policy.ts";
import type { Readiness } from "../readiness.ts";
import { type ApplyContext, applyObject } from "./apply.ts";
import { type ApplyChange, changeEntry, type DiffChange, type RemoveChange } from "./change-set.ts";
import { type Compare, diffObject } from "./diff.ts";
import { type RemoveOptions, removeObject } from "./remove.ts";
import type { NamespaceRefusal } from "./rules.ts";
import { type WaitBounds, waitReady } from "./wait.ts";

/** Who the manager acts for: one tenant on one cluster. */
export interface ManagerContext {
  tenantKey: string;
  /** Why this tenant may not create objects in a namespace (namespace-guard.ts), checked before a create. */
  namespaces?: NamespaceRefusal;
  /** Apply sends dry runs only: nothing is written, orphans are not taken back. */
  dryRun?: boolean;
}

/** What the inventory says of an object about to be applied (see ApplyContext). */
export type InventoryView = Pick<ApplyContext, "templateSet" | "known" | "unchanged" | "skipUnchanged">;

/**
 * One tenant's object-level operations on one cluster, after fluxcd/pkg ssa's ResourceManager: a verb per
 * file (apply.ts, diff.ts, remove.ts, wait.ts), the rules they share in rules.ts, and one result type
 * (change-set.ts). The engine, the CLI's `diff` and the sweep's deep check all act on objects through it.
 */
export class ResourceManager {
  readonly client: ClusterClient;
  readonly context: ManagerContext;

  constructor(client: ClusterClient, context: ManagerContext) {
    this.client = client;
    this.context = context;
  }

  /** Server-side applies one rendered object by its policies. Never throws for API errors. */
  async apply(desired: KubeObject, policy: ResourcePolicy, inventory: InventoryView): Promise<ApplyChange> {
    const { tenantKey, namespaces, dryRun } = this.context;
    const outcome = await applyObject(this.client, desired, policy, {
      ...inventory,
      tenantKey,
      namespaces,
      dryRun,
    });
    const subject = describeRef(refOf(desired));
    if (outcome.state === "conflicted") {
      return { ...changeEntry(subject, "conflicted"), action: "conflicted", message: outcome.message };
    }
    if (outcome.state === "failed") {
      const failed = changeEntry(subject, "failed", { transient: outcome.transient });
      return { ...failed, action: "failed", message: outcome.message };
    }
    const action = outcome.created ? "created" : outcome.wrote ? "configured" : "unchanged";
    return { ...changeEntry(subject, action, { wrote: outcome.wrote }), action, live: outcome.live };
  }

  /** What an apply would do, by a dry run compared with `compare`; `listed` spares the read. */
  diff<T>(
    desired: KubeObject,
    policy: Pick<ResourcePolicy, "creation" | "conflict" | "ignoreFields">,
    compare: Compare<T>,
    listed?: KubeObject,
  ): Promise<DiffChange<T>> {
    return diffObject(this.client, desired, policy, this.context.tenantKey, compare, listed);
  }

  /** Deletes (`Delete`, waiting until it is gone) or orphans (`Retain`) one object of this tenant. */
  async remove(ref: ObjectRef, options: RemoveOptions): Promise<RemoveChange> {
    const outcome = await removeObject(this.client, ref, { ...options, tenantKey: this.context.tenantKey });
    const subject = describeRef(ref);
    switch (outcome.state) {
      case "failed": {
        const failed = changeEntry(subject, "failed", { transient: outcome.transient });
        return { ...failed, action: "failed", message: outcome.message };
      }
      case "deleted":
        return { ...changeEntry(subject, "deleted", { wrote: true }), action: "deleted" };
      case "retained":
        return { ...changeEntry(subject, "orphaned", { wrote: true }), action: "orphaned" };
      case "absent":
        return { ...changeEntry(subject, "skipped", { message: "already gone" }), action: "skipped" };
      case "not-owned": {
        const message = "no longer carries this tenant's labels";
        return { ...changeEntry(subject, "skipped", { message }), action: "skipped" };
      }
    }
  }

  /** Polls `live` until ready, failed, its readiness timeout (counted from `since`) or the deadline. */
  wait(
    live: KubeObject,
    readiness: ResourcePolicy["readiness"],
    bounds: WaitBounds = {},
  ): Promise<Readiness> {
    return waitReady(this.client, live, readiness.timeoutSeconds, readiness.condition, bounds);
  }
}
