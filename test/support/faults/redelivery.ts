import type { SQSClient } from "@aws-sdk/client-sqs";
import { sendTenantMessages } from "../../../lib/queue/send.ts";
import type { Prng } from "./prng.ts";

let burst = 0;

/**
 * Duplicate and out-of-order delivery: old messages for tenants that changed earlier, sent again with new
 * deduplication ids (so SQS does not drop them), stale `at` times, several per tenant, in shuffled order.
 * The contract says a message only means "tenant K may have changed", so none of this may change the outcome.
 */
export async function redeliverStale(
  sqs: SQSClient,
  queueUrl: string,
  prng: Prng,
  tenants: readonly string[],
  count: number,
  since: number,
): Promise<number> {
  burst++;
  const messages = Array.from({ length: count }, (_, i) => {
    const tenant = prng.pick(tenants);
    const at = new Date(since + prng.int(0, Math.max(1, Date.now() - since))).toISOString();
    return {
      message: { tenant, reason: prng.pick(["insert", "update", "delete"] as const), at },
      deduplicationId: `fault-redelivery-${burst}-${i}-${process.pid}`,
    };
  });
  const { sent } = await sendTenantMessages(sqs, queueUrl, prng.shuffle(messages));
  return sent.length;
}
