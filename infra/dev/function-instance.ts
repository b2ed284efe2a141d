import { Worker } from "node:worker_threads";
import { lambdaResourceLimits } from "../serverless/settings.ts";
import type { FromWorker, FunctionWorkerData, ToWorker } from "./function-worker.ts";

/** Why an invocation got no response: Lambda ended its instance. */
export type KillReason = "timeout" | "out-of-memory" | "crashed";

export type InvocationOutcome =
  | { outcome: "response"; response: unknown }
  | { outcome: "error"; error: Error }
  | { outcome: "killed"; reason: KillReason; detail: string };

/**
 * One instance of a function as Lambda runs it: a worker thread whose V8 heap is capped the way Lambda's
 * Node.js runtime caps a container of the function's memorySize, running one invocation at a time. An
 * invocation past its deadline terminates the thread, as Lambda ends a timed-out container: its pools,
 * caches and unfinished work are gone, and the next invocation starts cold. A heap over the cap ends it too.
 */
export class FunctionInstance {
  private readonly worker: Worker;
  /** Resolves when the handler is built (the cold start, which Lambda does not count against the timeout). */
  readonly started: Promise<void>;
  private nextId = 0;
  private current: ((outcome: InvocationOutcome) => void) | undefined;
  private death: InvocationOutcome | undefined;

  constructor(data: FunctionWorkerData, env: NodeJS.ProcessEnv) {
    this.worker = new Worker(new URL("./function-worker.ts", import.meta.url), {
      workerData: data,
      env,
      resourceLimits: lambdaResourceLimits(data.memoryMb),
    });
    let startFailed: (error: Error) => void = () => {};
    this.started = new Promise<void>((resolve, reject) => {
      startFailed = reject;
      this.worker.once("message", (message: FromWorker) => {
        if ("ready" in message && message.ready) resolve();
        else
          reject(
            new Error(
              `${data.functionName} failed to start: ${"error" in message ? String(message.error) : ""}`,
            ),
          );
      });
    });
    this.started.catch(() => {});
    this.worker.on("message", (message: FromWorker) => {
      if (!("id" in message)) return;
      if ("response" in message) this.settle({ outcome: "response", response: message.response });
      else
        this.settle({
          outcome: "error",
          error: Object.assign(new Error(message.error.message), { stack: message.error.stack }),
        });
    });
    this.worker.on("error", (error: Error & { code?: string }) => {
      const outOfMemory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
      this.die({
        outcome: "killed",
        reason: outOfMemory ? "out-of-memory" : "crashed",
        detail: error.message,
      });
      startFailed(error);
    });
    this.worker.on("exit", (code) => {
      this.die({ outcome: "killed", reason: "crashed", detail: `the instance exited with code ${code}` });
      startFailed(new Error(`${data.functionName} exited with code ${code} while starting`));
    });
  }

  get alive(): boolean {
    return this.death === undefined;
  }

  /** Runs one invocation with `timeoutMs` from now; at the deadline the instance is killed and the response lost. */
  invoke(event: unknown, timeoutMs: number): Promise<InvocationOutcome> {
    if (this.death) return Promise.resolve(this.death);
    if (this.current) throw new Error("a Lambda instance runs one invocation at a time");
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.die({
          outcome: "killed",
          reason: "timeout",
          detail: `Task timed out after ${timeoutMs / 1000} seconds`,
        });
        void this.worker.terminate();
      }, timeoutMs);
      this.current = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      this.worker.postMessage({
        id: this.nextId++,
        event,
        startedAt: Date.now(),
        timeoutMs,
      } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    this.death ??= { outcome: "killed", reason: "crashed", detail: "the runner stopped" };
    await this.worker.terminate();
  }

  private settle(outcome: InvocationOutcome): void {
    const current = this.current;
    this.current = undefined;
    current?.(outcome);
  }

  /** The first cause of death wins (a terminate after a timeout also ends in "exit"). */
  private die(outcome: InvocationOutcome): void {
    if (this.death) return;
    this.death = outcome;
    this.settle(outcome);
  }
}
