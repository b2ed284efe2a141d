import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/**
 * The parts of a Lambda context the handlers and their middlewares read. `getRemainingTimeInMillis` counts
 * down to the invocation's deadline: `timeoutMs` after `startedAt` (now, unless the invoker started the clock).
 */
export function lambdaContext(
  functionName: string,
  timeoutMs = 300_000,
  options: { memoryMb?: number; startedAt?: number } = {},
): Context {
  const deadline = (options.startedAt ?? Date.now()) + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
