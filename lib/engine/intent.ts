import type { AppliedEntry, InventoryEntry } from "../db/inventory-store.ts";
import type { ClusterClient, ResourceMapping } from "../kube/cluster-client.ts";
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
  const unrecorded = sets.flatMap((set) => {
    const render = renders.get(set.name);
    return (render?.resources ?? []).flatMap((rendered) => {
      if (!render || !rendered.ok || inventory.get(set.name)?.has(rendered.resourceId)) return [];
      const resource = set.resources.find((r) => r.id === rendered.resourceId);
      return resource ? [{ set, render, rendered, resource }] : [];
    });
  });
  const mappings = await mappingsOf(
    client,
    unrecorded.map(({ rendered }) => rendered.object),
  );
  for (const { set, render, rendered, resource } of unrecorded) {
    // If discovery failed the apply fails the same way, and nothing gets created.
    const mapping = mappings.get(kindKey(rendered.object));
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
  return entries;
}

const kindKey = (object: { apiVersion: string; kind: string }) => `${object.apiVersion}\u0000${object.kind}`;

/**
 * The REST mapping of every distinct kind, all asked at once (undefined where discovery failed). One after
 * another, an API server that accepts connections and never answers cost a timeout per apiVersion before the
 * first apply; the client shares one request per apiVersion between its kinds and caches the answers.
 */
async function mappingsOf(
  client: ClusterClient,
  objects: readonly { apiVersion: string; kind: string }[],
): Promise<Map<string, ResourceMapping | undefined>> {
  const kinds = new Map(objects.map((object) => [kindKey(object), object]));
  const resolved = await Promise.all(
    [...kinds].map(async ([key, { apiVersion, kind }]) => {
      const mapping = await client.mapping(apiVersion, kind).catch(() => undefined);
      return [key, mapping] as const;
    }),
  );
  return new Map(resolved);
}
