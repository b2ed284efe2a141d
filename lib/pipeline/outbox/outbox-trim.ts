import type { Database } from "../../db/queryable.ts";
import { TenantSyncError } from "../../errors.ts";
import { withOutboxConnection } from "./outbox-connection.ts";
import { deleteSentBefore } from "./outbox-store.ts";

export interface TrimOptions {
  /** Delete rows sent longer ago than this (database clock). */
  olderThanSeconds: number;
  /** Rows per DELETE (default 1000): short statements, short locks. */
  chunkSize?: number;
  /** Stop after this many DELETEs (default: until nothing old is left). */
  maxChunks?: number;
}

/** Deletes sent rows older than the retention, chunk by chunk; unsent rows are never touched. */
export async function trimOutbox(db: Database, options: TrimOptions): Promise<{ deleted: number }> {
  const { olderThanSeconds } = options;
  if (typeof olderThanSeconds !== "number" || !Number.isFinite(olderThanSeconds) || olderThanSeconds < 0) {
    throw new TenantSyncError(
      `trimOutbox: olderThanSeconds must be a number ≥ 0, got ${String(olderThanSeconds)}`,
    );
  }
  const chunkSize = options.chunkSize ?? 1000;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new TenantSyncError(`trimOutbox: chunkSize must be a positive integer, got ${chunkSize}`);
  }
  const maxChunks = options.maxChunks ?? Number.POSITIVE_INFINITY;
  let deleted = 0;
  try {
    await withOutboxConnection(db, async (conn) => {
      for (let chunk = 0; chunk < maxChunks; chunk++) {
        const count = await deleteSentBefore(conn, olderThanSeconds, chunkSize);
        deleted += count;
        if (count < chunkSize) break;
      }
    });
  } catch (error) {
    throw new TenantSyncError(
      `trimming tenant_sync_outbox in ${db.location} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return { deleted };
}
