import type { Queryable } from "../../db/queryable.ts";
import { DELETED_STATUS, readStatus, type StatusRecord, upsertStatus } from "../../db/status-store.ts";
import { scheduleRecheck } from "../../pipeline/outbox/outbox-recheck.ts";
import type { TemplateSet } from "../../templates/model.ts";

/** Writes this run's rows, and marks Deleted any older row of a set the tenant no longer has. */
export async function writeStatuses(
  db: Queryable,
  tenantKey: string,
  statuses: StatusRecord[],
  selected: readonly TemplateSet[],
): Promise<void> {
  const existing = await readStatus(db, { tenantKey });
  for (const row of existing) {
    const covered = statuses.some((s) => s.templateSet === row.templateSet);
    const live = selected.some((s) => s.name === row.templateSet);
    if (!covered && !live && row.phase !== "Deleted") {
      statuses.push({
        ...row,
        ...DELETED_STATUS,
        message: null,
        observedAt: undefined,
      });
    }
  }
  await upsertStatus(db, statuses);
}

/**
 * Phase 9: the status rows, and with them, when something is still progressing, the recheck's outbox row
 * (not before `recheckIn` seconds) in one transaction: a Progressing status always has its recheck waiting.
 */
export async function writeStatusAndRecheck(
  db: Queryable,
  tenantKey: string,
  statuses: StatusRecord[],
  selected: readonly TemplateSet[],
  recheckIn: number | undefined,
): Promise<void> {
  if (recheckIn === undefined) return writeStatuses(db, tenantKey, statuses, selected);
  await db.transaction(async (tx) => {
    await writeStatuses(tx, tenantKey, statuses, selected);
    await scheduleRecheck(tx, tenantKey, recheckIn);
  });
}
