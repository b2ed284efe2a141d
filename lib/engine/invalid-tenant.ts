import { readInventory } from "../db/inventory-store.ts";
import type { Queryable } from "../db/queryable.ts";
import type { TenantRowError } from "../db/source-errors.ts";
import { readStatus } from "../db/status-store.ts";
import type { TemplateSet } from "../templates/model.ts";
import { SelectorError, selects } from "../templates/selector.ts";

/**
 * The template sets whose status should show that a tenant's row cannot be read: those the tenant has objects
 * or a (not Deleted) status row in, and those that any of its rows, as the database returned them, selects.
 * A selector that cannot be decided on such a row counts the set in: better a Failed row than a hidden failure.
 * Other sets never had anything to do with the tenant; a Failed row there would linger (as Deleted) after the
 * row is fixed.
 */
export async function setsConcerned(
  db: Queryable,
  error: TenantRowError,
  tenantKey: string,
  sets: readonly TemplateSet[],
): Promise<TemplateSet[]> {
  const [inventory, statuses] = await Promise.all([
    readInventory(db, tenantKey),
    readStatus(db, { tenantKey }),
  ]);
  const known = new Set([
    ...inventory.map((entry) => entry.templateSet),
    ...statuses.filter((status) => status.phase !== "Deleted").map((status) => status.templateSet),
  ]);
  return sets.filter((set) => known.has(set.name) || error.rows.some((row) => mightSelect(set, row)));
}

function mightSelect(set: TemplateSet, row: Readonly<Record<string, unknown>>): boolean {
  try {
    return selects(set, row);
  } catch (error) {
    if (error instanceof SelectorError) return true;
    throw error;
  }
}
