import type { Context } from "aws-lambda";

/**
 * Time kept back from an invocation's remaining time: 10 s, or 15 % of it when that is more. After the
 * deadline the reconcile still writes its inventory, status and recheck rows, and a request started just
 * before it may still be cut short and answered; the margin is for that, so Lambda never kills the
 * invocation and loses its report of the batch (docs/engine.md, "The deadline and the recheck").
 */
export const DEADLINE_MARGIN = { minMs: 10_000, share: 0.15 } as const;

/** Epoch ms the work of this invocation must be done by (ReconcileOptions.deadline, processBatch's deadline). */
export function invocationDeadline(
  context: Pick<Context, "getRemainingTimeInMillis">,
  margin: { minMs: number; share: number } = DEADLINE_MARGIN,
): number {
  const remaining = context.getRemainingTimeInMillis();
  return Date.now() + remaining - Math.max(margin.minMs, remaining * margin.share);
}
