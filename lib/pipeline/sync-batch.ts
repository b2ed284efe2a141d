import pLimit from "p-limit";
import type { TenantOutcome } from "../engine/outcome.ts";
import type { Log } from "../log.ts";
import { parseTenantMessage, type TenantMessage } from "../queue/message.ts";
import { describeValue } from "../values/truthy.ts";

/** A received queue message, without Lambda's types: what the sync consumer needs of it. */
export interface QueueRecord {
  messageId: string;
  body: string;
  /** FIFO message group; messages of one group are handled in order. */
  groupId: string;
  receiveCount: number;
}

export interface BatchResult {
  /** Message ids to hand back to the queue (SQS ReportBatchItemFailures). */
  failed: string[];
  outcomes: TenantOutcome[];
}

export type Reconcile = (tenantKey: string, messages: TenantMessage[]) => Promise<TenantOutcome>;

/**
 * Handles one batch from the FIFO queue. Groups (tenants) run concurrently; within a group the messages
 * are in order and one reconcile covers them all, since each only says "tenant K may have changed" and the
 * engine re-reads the row. When a group fails, its message and every later one of that group are returned,
 * so FIFO order holds on redelivery. A message that cannot be parsed is poison: logged with its reason and
 * returned, so that the redrive policy moves it to the dead-letter queue after the receive limit.
 * With a `deadline` (epoch ms), no tenant starts after it: its group is returned, to be received again. The
 * sync function's batch (10) is no larger than `parallelGroups`, so every tenant starts at once and the
 * engine ends each by the deadline: a tenant is returned this way only when an invocation starts with no time.
 */
export async function processBatch(
  records: readonly QueueRecord[],
  reconcile: Reconcile,
  log: Log,
  options: { parallelGroups?: number; deadline?: number } = {},
): Promise<BatchResult> {
  const groups = new Map<string, QueueRecord[]>();
  for (const record of records) groups.set(record.groupId, [...(groups.get(record.groupId) ?? []), record]);
  const limit = pLimit(options.parallelGroups ?? 10);
  const result: BatchResult = { failed: [], outcomes: [] };

  await Promise.all(
    [...groups.values()].map((group) =>
      limit(async () => {
        const parsed: { record: QueueRecord; message: TenantMessage }[] = [];
        let poisonAt = group.length;
        for (const [index, record] of group.entries()) {
          try {
            parsed.push({ record, message: parseTenantMessage(record.body) });
          } catch (error) {
            log.error("poison message", {
              messageId: record.messageId,
              groupId: record.groupId,
              receiveCount: record.receiveCount,
              reason: (error as Error).message,
            });
            poisonAt = index;
            break;
          }
        }
        const failFrom = (index: number) => result.failed.push(...group.slice(index).map((r) => r.messageId));
        const byTenant = new Map<string, TenantMessage[]>();
        for (const { message } of parsed)
          byTenant.set(message.tenant, [...(byTenant.get(message.tenant) ?? []), message]);
        for (const [tenantKey, messages] of byTenant) {
          if (options.deadline !== undefined && Date.now() >= options.deadline) {
            log.warn("deadline reached before the tenant started; returned to the queue", {
              tenantKey,
              groupId: group[0]?.groupId,
            });
            failFrom(0);
            return;
          }
          try {
            const outcome = await reconcile(tenantKey, messages);
            result.outcomes.push(outcome);
            if (outcome.retryable) {
              failFrom(0);
              return;
            }
          } catch (error) {
            log.error("reconcile failed", {
              tenantKey,
              groupId: group[0]?.groupId,
              // A reconcile may reject with anything; reading .message of null must not fail the batch.
              error: error instanceof Error ? error.message : describeValue(error),
            });
            failFrom(0);
            return;
          }
        }
        if (poisonAt < group.length) failFrom(poisonAt);
      }),
    ),
  );
  return result;
}
