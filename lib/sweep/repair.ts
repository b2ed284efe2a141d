import type { SQSClient } from "@aws-sdk/client-sqs";
import pLimit from "p-limit";
import {
  type InventoryEntry,
  type InventoryKey,
  readInventory,
  recordApplied,
  removeInventory,
} from "../db/inventory-store.ts";
import type { Queryable } from "../db/queryable.ts";
import type { Engine } from "../engine/engine.ts";
import { sendTenantMessages } from "../queue/send.ts";
import type { Repair } from "./plan.ts";

/**
 * Written into an inventory entry's content hash when the sweep found its object drifted: no render produces
 * it, so the tenant's next reconcile sees "changed" and re-applies the object even when it skips unchanged
 * objects (as queue-driven reconciles do).
 */
export const DRIFT_MARK = "sweep-drift:";

/**
 * Makes the next reconcile of each tenant repair what the sweep found, whoever runs it: drifted entries get
 * DRIFT_MARK; entries of objects deleted by hand are removed, so the object is created afresh (with the
 * seeding of its ignoreFields, as on first creation). Returns how many entries were changed.
 */
export async function markDrift(db: Queryable, repairs: ReadonlyMap<string, Repair>): Promise<number> {
  let changed = 0;
  for (const [tenantKey, repair] of repairs) {
    if (repair.marks.length === 0) continue;
    const inventory = await readInventory(db, tenantKey);
    const marked: InventoryEntry[] = [];
    const removed: InventoryKey[] = [];
    for (const entry of inventory) {
      const mark = repair.marks.find(
        (m) =>
          m.cluster === entry.cluster &&
          m.templateSet === entry.templateSet &&
          m.resourceId === entry.resourceId,
      );
      if (!mark) continue;
      if (mark.reason === "deleted-by-hand") {
        removed.push({
          cluster: entry.cluster,
          templateSet: entry.templateSet,
          resourceId: entry.resourceId,
        });
      } else {
        marked.push({ ...entry, contentHash: `${DRIFT_MARK}${mark.reason}` });
      }
    }
    await recordApplied(db, marked);
    changed += marked.length + (await removeInventory(db, tenantKey, removed));
  }
  return changed;
}

export interface FanOutResult {
  enqueued: number;
  failed: { tenant: string; reason: string }[];
}

/** Sends "tenant K may have changed" (reason sweep) for each tenant; the sync consumers do the work. */
export async function fanOut(
  sqs: SQSClient,
  queueUrl: string,
  tenants: readonly string[],
  runId: number,
): Promise<FanOutResult> {
  const at = new Date().toISOString();
  const sent = await sendTenantMessages(
    sqs,
    queueUrl,
    tenants.map((tenant) => ({
      message: { tenant, reason: "sweep", at },
      deduplicationId: `sweep-${runId}-${tenant}`,
    })),
  );
  return {
    enqueued: sent.sent.length,
    failed: sent.failed.map((f) => ({ tenant: f.outgoing.message.tenant, reason: f.reason })),
  };
}

export interface InlineResult {
  repaired: number;
  failed: { tenant: string; reason: string }[];
}

/**
 * Reconciles each tenant here and now, re-applying every object (local runner, tests). With a `deadline`
 * (epoch ms, the invocation's), no tenant starts after it (the next sweep finds it again) and each reconcile
 * ends by it: a tenant whose objects are not ready yet is Progressing and rechecked, which is no failure.
 */
export async function repairInline(
  engine: Engine,
  tenants: readonly string[],
  concurrency: number,
  deadline?: number,
): Promise<InlineResult> {
  const limit = pLimit(concurrency);
  const result: InlineResult = { repaired: 0, failed: [] };
  await Promise.all(
    tenants.map((tenant) =>
      limit(async () => {
        if (deadline !== undefined && Date.now() >= deadline) {
          result.failed.push({ tenant, reason: "not started before the invocation's deadline" });
          return;
        }
        try {
          const outcome = await engine.reconcile(tenant, { skipUnchanged: false, deadline });
          const problems = outcome.sets.filter(
            (s) => s.phase !== "Ready" && s.phase !== "Deleted" && s.phase !== "Progressing",
          );
          if (problems.length === 0) result.repaired++;
          else {
            result.failed.push({
              tenant,
              reason: problems
                .map((s) => `${s.templateSet}: ${s.phase} ${s.message ?? ""}`.trim())
                .join("; "),
            });
          }
        } catch (error) {
          result.failed.push({ tenant, reason: (error as Error).message });
        }
      }),
    ),
  );
  return result;
}
