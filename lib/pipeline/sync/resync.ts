import { z } from "zod";
import { missingQueueUrl } from "../../config.ts";
import type { TenantSource } from "../../db/source.ts";
import type { ReconcileOptions } from "../../engine/engine.ts";
import type { TenantOutcome } from "../../engine/outcome.ts";
import { TenantSyncError } from "../../errors.ts";
import type { TenantQueue } from "../../queue/tenant-queue.ts";

export const resyncRequestSchema = z.union([
  z.strictObject({ tenant: z.string().min(1).max(255) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type ResyncRequest = z.infer<typeof resyncRequestSchema>;

export type ResyncResult =
  | { tenant: string; outcome: TenantOutcome }
  | { all: true; enqueued: number; failed: number; invalidRows: number };

/** What a resync uses: an engine to reconcile one tenant, the tenants to page through, and the queue. */
export interface ResyncPorts {
  engine: { reconcile(tenantKey: string, options: ReconcileOptions): Promise<TenantOutcome> };
  source: Pick<TenantSource, "pageTenants">;
  /** Undefined when the deployment has no queue: then only one tenant can be resynced. */
  queue: TenantQueue | undefined;
}

export function parseResyncRequest(event: unknown): ResyncRequest {
  const parsed = resyncRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new TenantSyncError(
      `resync expects {"tenant": "<key>"} or {"all": true}; got ${JSON.stringify(event)?.slice(0, 200)}`,
    );
  }
  return parsed.data;
}

/**
 * Manual resync. One tenant is reconciled now, re-applying every object even when its content hash is
 * unchanged (that is what a person asking for a resync wants). All tenants are enqueued instead, so the
 * work spreads over the sync consumers.
 */
export async function resync(
  ports: ResyncPorts,
  request: ResyncRequest,
  /** `deadline` (epoch ms): the invocation's; what is not ready by then is Progressing and rechecked. */
  options: { deadline?: number } = {},
): Promise<ResyncResult> {
  if ("tenant" in request) {
    return {
      tenant: request.tenant,
      outcome: await ports.engine.reconcile(request.tenant, {
        skipUnchanged: false,
        deadline: options.deadline,
      }),
    };
  }
  const queue = ports.queue;
  if (!queue) throw missingQueueUrl("resync of all tenants needs the queue");
  const at = new Date().toISOString();
  let enqueued = 0;
  let failed = 0;
  let invalidRows = 0;
  for await (const page of ports.source.pageTenants({ pageSize: 500, onInvalid: () => invalidRows++ })) {
    const sent = await queue.send(
      page.map((tenant) => ({
        message: { tenant: tenant.key, reason: "resync", at },
        deduplicationId: `resync-${at}-${tenant.key}`,
      })),
    );
    enqueued += sent.sent.length;
    failed += sent.failed.length;
  }
  return { all: true, enqueued, failed, invalidRows };
}
