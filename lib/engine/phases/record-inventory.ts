import { type AppliedEntry, type InventoryEntry, recordApplied } from "../../db/inventory-store.ts";
import type { Queryable } from "../../db/queryable.ts";
import type { TemplateSet } from "../../templates/model.ts";
import { type AppliedSet, refOfEntry, sameObject } from "../apply-set.ts";

/**
 * Phase 5: records what was applied. Recording an object that moved (new name or namespace, same cluster)
 * overwrites the old one's entry, so that waits until the old object has been pruned (`allReady`).
 */
export async function recordInventory(
  db: Queryable,
  applied: ReadonlyMap<string, AppliedSet>,
  bySet: ReadonlyMap<string, ReadonlyMap<string, InventoryEntry>>,
  allReady: boolean,
): Promise<AppliedEntry[]> {
  const moved = (entry: AppliedEntry) => {
    const previous = bySet.get(entry.templateSet)?.get(entry.resourceId);
    return (
      previous !== undefined &&
      previous.cluster === entry.cluster &&
      !sameObject(previous, entry.cluster, refOfEntry(entry))
    );
  };
  const entries = [...applied.values()].flatMap((result) =>
    result.entries.filter((e) => allReady || !moved(e)),
  );
  await recordApplied(db, entries);
  return entries;
}

/** Inventory entries no longer rendered: removed resources, moved objects, objects on a former cluster. */
export function staleEntries(
  inventory: readonly InventoryEntry[],
  selected: readonly TemplateSet[],
  applied: ReadonlyMap<string, AppliedSet>,
  cluster: string,
): InventoryEntry[] {
  return inventory.filter((entry) => {
    if (!selected.some((set) => set.name === entry.templateSet)) return false;
    const ref = applied.get(entry.templateSet)?.refs.get(entry.resourceId);
    return ref === undefined || !sameObject(entry, cluster, ref);
  });
}
