/**
 * One Lambda instance of a function, as a worker thread (lambda-function.ts starts it): it builds the
 * handler once (the cold start) and then runs the invocations it is sent, one at a time, each with a context
 * whose remaining time counts down to the deadline the invoker enforces.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Context } from "aws-lambda";
import { lambdaContext } from "./lambda-context.ts";

export interface FunctionWorkerData {
  functionName: string;
  /** File URL of the module that exports the handler factory. */
  module: string;
  /** The factory's export name; it is called with the function's environment. */
  factory: string;
  memoryMb: number;
}

export type ToWorker = { id: number; event: unknown; startedAt: number; timeoutMs: number };
export type FromWorker =
  | { ready: true }
  | { ready: false; error: string }
  | { id: number; response: unknown }
  | { id: number; error: { message: string; stack?: string } };

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const data = workerData as FunctionWorkerData;
const port = parentPort;
if (!port) throw new Error("function-worker.ts runs as a worker thread of the local runner");

let handler: Handler;
try {
  const module = (await import(data.module)) as Record<string, (env: NodeJS.ProcessEnv) => Handler>;
  const factory = module[data.factory];
  if (!factory) throw new Error(`${data.module} exports no ${data.factory}`);
  handler = factory(process.env);
  port.postMessage({ ready: true } satisfies FromWorker);
} catch (error) {
  port.postMessage({ ready: false, error: (error as Error).stack ?? String(error) } satisfies FromWorker);
}

port.on("message", async ({ id, event, startedAt, timeoutMs }: ToWorker) => {
  const context = lambdaContext(data.functionName, timeoutMs, { memoryMb: data.memoryMb, startedAt });
  try {
    port.postMessage({ id, response: await handler(event, context) } satisfies FromWorker);
  } catch (error) {
    const { message, stack } = error as Error;
    port.postMessage({ id, error: { message, stack } } satisfies FromWorker);
  }
});
