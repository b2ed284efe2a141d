import type { Queryable } from "../db/queryable.ts";
import { getOrCreate } from "./maps.ts";
import { kindKey } from "./object-key.ts";

/** The clusters the inventory has entries on, with the kinds of each: what must be listed besides the templates' kinds. */
export async function inventoryKinds(
  db: Queryable,
): Promise<Map<string, Map<string, { apiVersion: string; kind: string }>>> {
  const { rows } = await db.query<{ cluster: string; api_version: string; kind: string }>(
    "SELECT DISTINCT cluster, api_version, kind FROM tenant_sync_inventory",
  );
  const result = new Map<string, Map<string, { apiVersion: string; kind: string }>>();
  for (const row of rows) {
    getOrCreate(result, row.cluster, () => new Map()).set(kindKey(row.api_version, row.kind), {
      apiVersion: row.api_version,
      kind: row.kind,
    });
  }
  return result;
}
