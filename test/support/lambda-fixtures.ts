/**
 * Handlers for the local runner's tests (test/integration/runner-lambda-limits.test.ts), built in a Lambda
 * instance by infra/dev/function-worker.ts as the real ones are. Module state lives as long as the instance.
 */
import type { Context } from "aws-lambda";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reports the remaining time before and after a pause, and how many invocations this instance ran. */
export function createClockHandler() {
  let invocations = 0;
  return async (event: { pauseMs?: number }, context: Context) => {
    invocations++;
    const before = context.getRemainingTimeInMillis();
    await sleep(event.pauseMs ?? 200);
    return {
      before,
      after: context.getRemainingTimeInMillis(),
      invocations,
      memory: context.memoryLimitInMB,
    };
  };
}

/** With `{"hungry": true}`, keeps every array it allocates until the heap is full. */
export function createHungryHandler() {
  const kept: number[][] = [];
  let invocations = 0;
  return async (event: { hungry?: boolean }) => {
    invocations++;
    while (event.hungry) {
      kept.push(new Array(1_000_000).fill(invocations));
      if (kept.length % 16 === 0) await sleep(0);
    }
    return { invocations };
  };
}

/** Never answers: every invocation runs into the timeout. */
export function createStuckHandler() {
  return () => new Promise<never>(() => {});
}
