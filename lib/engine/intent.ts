import type { AppliedEntry, InventoryEntry } from "../db/inventory-store.ts";
import type { ClusterClient } from "../kube/cluster-client.ts";
import { refOf } from "../kube/object-ref.ts";
import type { TemplateSet } from "../templates/model.ts";
import type { TenantRender } from "../templates/render.ts";
import { finalizeObject } from "./desired.ts";

/**
 * The content hash of an inventory entry written before its object is first applied. No render produces
 * it, so the next reconcile treats the object as not yet known (created afresh, ignoreFields seeded) and
 * the sweep as not recorded; teardown deletes it like any entry (an absent object counts as removed).
 */
export const APPLY_PENDING = "apply-pending";

/**
 * Write-ahead entries for the objects this reconcile is about to create: every rendered resource of the
 * selected sets that has no inventory entry yet. Recorded before the first apply, so a reconcile that dies
 * after applying but before recording (worker killed, database gone) leaves no object the tenant's
 * teardown does not know about: otherwise a deletion or deactivation that follows would leave it behind
 * until a sweep finds it. A resource that already has an entry (even for another name or cluster) keeps
 * it: that entry is how the old object gets pruned.
 */
export async function pendingEntries(
  client: ClusterClient,
  sets: readonly TemplateSet[],
  renders: ReadonlyMap<string, TenantRender>,
  inventory: ReadonlyMap<string, ReadonlyMap<string, InventoryEntry>>,
): Promise<AppliedEntry[]> {
  const entries: AppliedEntry[] = [];
  for (const set of sets) {
    const render = renders.get(set.name);
    for (const rendered of render?.resources ?? []) {
      if (!render || !rendered.ok || inventory.get(set.name)?.has(rendered.resourceId)) continue;
      const resource = set.resources.find((r) => r.id === rendered.resourceId);
      if (!resource) continue;
      // Discovery is cached; if it fails the apply fails the same way, and nothing gets created.
      const mapping = await client
        .mapping(rendered.object.apiVersion, rendered.object.kind)
        .catch(() => undefined);
      if (!mapping) continue;
      const desired = finalizeObject(rendered.object, mapping, {
        tenantKey: render.tenantKey,
        templateSet: set.name,
        templateVersion: set.version,
        resourceId: rendered.resourceId,
        defaultNamespace: render.defaultNamespace,
      });
      if (!desired.ok) continue;
      const ref = refOf(desired.object);
      entries.push({
        cluster: client.name,
        tenantKey: render.tenantKey,
        templateSet: set.name,
        resourceId: rendered.resourceId,
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        namespace: ref.namespace ?? "",
        name: ref.name,
        contentHash: APPLY_PENDING,
        deletionPolicy: resource.deletion,
        dependsOn: [...resource.dependsOn],
      });
    }
  }
  return entries;
}
