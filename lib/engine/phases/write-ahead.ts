import {
  type AppliedEntry,
  type InventoryEntry,
  recordApplied,
  removeInventory,
} from "../../db/inventory-store.ts";
import type { Queryable } from "../../db/queryable.ts";
import type { ClusterClient } from "../../kube/cluster-client.ts";
import type { TemplateSet } from "../../templates/model.ts";
import type { TenantRender } from "../../templates/render.ts";
import { pendingEntries } from "../intent.ts";
import type { SetOutcome } from "../outcome.ts";

/** Phase 3: objects about to be created are in the inventory before they exist (see intent.ts). */
export async function writeAhead(
  db: Queryable,
  client: ClusterClient | undefined,
  selected: readonly TemplateSet[],
  renders: ReadonlyMap<string, TenantRender>,
  bySet: ReadonlyMap<string, ReadonlyMap<string, InventoryEntry>>,
): Promise<AppliedEntry[]> {
  const pending = client ? await pendingEntries(client, selected, renders, bySet) : [];
  if (pending.length > 0) await recordApplied(db, pending);
  return pending;
}

/**
 * Phase 6: write-ahead entries of objects this reconcile did not create after all (refused as another
 * tenant's, conflicted, skipped) go again. Those of transient failures stay: the request may have created the
 * object before the connection broke; so do those of objects still pending: the recheck creates them.
 */
export async function dropAbandoned(
  db: Queryable,
  tenantKey: string,
  pending: readonly AppliedEntry[],
  outcomes: readonly SetOutcome[],
): Promise<void> {
  const abandoned = pending.filter((p) => {
    const outcome = outcomes
      .find((o) => o.templateSet === p.templateSet)
      ?.resources.find((r) => r.resourceId === p.resourceId);
    const given =
      outcome?.state === "failed" || outcome?.state === "conflicted" || outcome?.state === "skipped";
    return outcome !== undefined && given && !outcome.wrote && !outcome.transient;
  });
  if (abandoned.length > 0) await removeInventory(db, tenantKey, abandoned);
}
