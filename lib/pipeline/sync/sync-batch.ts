import pLimit from "p-limit";
import type { TenantOutcome } from "../../engine/outcome.ts";
import type { Log } from "../../log.ts";
import { parseTenantMessage, type TenantMessage } from "../../queue/message.ts";
import { describeValue } from "../../values/truthy.ts";

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
 * so FIFO order holds on redelivery. A message that cannot be parsed is poison: returned alone (parseGroup),
 * so that the redrive policy moves it to the dead-letter queue after the receive limit.
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
  const groups = Map.groupBy(records, (record) => record.groupId);
  const limit = pLimit(options.parallelGroups ?? 10);
  const result: BatchResult = { failed: [], outcomes: [] };

  await Promise.all(
    [...groups.values()].map((group) =>
      limit(async () => {
        const { parsed, poison } = parseGroup(group, log);
        const failFrom = (index: number) => result.failed.push(...group.slice(index).map((r) => r.messageId));
        const byTenant = Map.groupBy(
          parsed.map(({ message }) => message),
          (message) => message.tenant,
        );
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
        result.failed.push(...poison.map((r) => r.messageId));
      }),
    ),
  );
  return result;
}

/**
 * Splits a group into its tenant messages and its poison (unparseable) ones, each poison message logged with
 * its reason. Only the poison ones are returned to the queue; the valid ones are reconciled and deleted even
 * when they come after a poison one. Returning a message while deleting later ones of its group breaks FIFO
 * order, which is safe here because messages are level-triggered: each only says "tenant K may have
 * changed", and the reconcile reads the tenant's current row, so the valid messages' reconcile already covers
 * whatever the poison one might have meant, and nothing it could say is lost by handling it later (it never
 * parses anyway). Returning the valid messages with it would only carry them into the dead-letter queue
 * together, raising the alarm for tenants that were fine.
 */
function parseGroup(
  group: readonly QueueRecord[],
  log: Log,
): { parsed: { record: QueueRecord; message: TenantMessage }[]; poison: QueueRecord[] } {
  const parsed: { record: QueueRecord; message: TenantMessage }[] = [];
  const poison: QueueRecord[] = [];
  for (const record of group) {
    try {
      parsed.push({ record, message: parseTenantMessage(record.body) });
    } catch (error) {
      log.error("poison message", {
        messageId: record.messageId,
        groupId: record.groupId,
        receiveCount: record.receiveCount,
        reason: (error as Error).message,
      });
      poison.push(record);
    }
  }
  return { parsed, poison };
}
