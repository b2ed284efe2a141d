import type { Log } from "../../lib/log.ts";
import { lambdaMemoryMb, lambdaTimeoutMs } from "../serverless/settings.ts";
import { FunctionInstance, type KillReason } from "./function-instance.ts";

/** Where a function's handler factory lives; it is called with the function's environment. */
export interface HandlerModule {
  /** The module's file URL (`new URL("./x.ts", import.meta.url)`). */
  module: URL;
  factory: string;
}

export interface LambdaFunctionOptions {
  /** The function's name in serverless.yml, whose timeout and memorySize are enforced. */
  name: string;
  handler: HandlerModule;
  /** The function's environment (TENANT_SYNC_*), as Lambda would give it. */
  env: NodeJS.ProcessEnv;
  log: Log;
  /** A shorter timeout than serverless.yml's, so a test can compress time; a longer one is cut to it. */
  timeoutMs?: number;
  /** A smaller memorySize than serverless.yml's; a larger one is cut to it. */
  memoryMb?: number;
}

/** Thrown to the invoker when Lambda ended the instance: the invocation's response is lost. */
export class InvocationKilled extends Error {
  readonly reason: KillReason;

  constructor(functionName: string, reason: KillReason, detail: string) {
    super(`${functionName}: invocation killed (${reason}): ${detail}`);
    this.name = "InvocationKilled";
    this.reason = reason;
  }
}

export interface InvocationCounts {
  invocations: number;
  coldStarts: number;
  killed: Record<KillReason, number>;
}

/**
 * A function as Lambda runs it: instances (worker threads, function-instance.ts) are started on demand, one
 * per concurrent invocation, kept warm between invocations and replaced after a kill. serverless.yml's
 * timeout and memorySize are enforced on every invocation.
 */
export class LambdaFunction {
  readonly name: string;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly counts: InvocationCounts = {
    invocations: 0,
    coldStarts: 0,
    killed: { timeout: 0, "out-of-memory": 0, crashed: 0 },
  };
  private readonly options: LambdaFunctionOptions;
  private readonly idle: FunctionInstance[] = [];
  private readonly instances = new Set<FunctionInstance>();

  constructor(options: LambdaFunctionOptions) {
    this.options = options;
    this.name = options.name;
    this.timeoutMs = Math.min(options.timeoutMs ?? Number.POSITIVE_INFINITY, lambdaTimeoutMs(options.name));
    this.memoryMb = Math.min(options.memoryMb ?? Number.POSITIVE_INFINITY, lambdaMemoryMb(options.name));
  }

  /** Runs one invocation on a warm instance, or a cold one; throws InvocationKilled when Lambda would have. */
  async invoke(event: unknown): Promise<unknown> {
    const instance = this.idle.pop() ?? this.coldStart();
    this.counts.invocations++;
    try {
      await startedWithin(instance, this.name);
    } catch (error) {
      this.instances.delete(instance);
      await instance.close();
      if (error instanceof InvocationKilled) this.counts.killed.timeout++;
      throw error;
    }
    const result = await instance.invoke(event, this.timeoutMs);
    if (result.outcome === "killed") {
      this.instances.delete(instance);
      this.counts.killed[result.reason]++;
      const killed = new InvocationKilled(this.name, result.reason, result.detail);
      this.options.log.warn("invocation killed", {
        function: this.name,
        reason: result.reason,
        detail: result.detail,
      });
      throw killed;
    }
    this.idle.push(instance);
    if (result.outcome === "error") throw result.error;
    return result.response;
  }

  /** Ends every instance (warm or busy). */
  async close(): Promise<void> {
    const all = [...this.instances];
    this.instances.clear();
    this.idle.length = 0;
    await Promise.all(all.map((instance) => instance.close()));
  }

  private coldStart(): FunctionInstance {
    this.counts.coldStarts++;
    const { module, factory } = this.options.handler;
    const instance = new FunctionInstance(
      { functionName: this.name, module: module.href, factory, memoryMb: this.memoryMb },
      this.options.env,
    );
    this.instances.add(instance);
    return instance;
  }
}

// Lambda ends an init phase (loading the handler's modules, building it) after 10 s. Loading the TypeScript
// sources in a worker on this project's 2-core machine, under a parallel test suite, takes several seconds
// (3.7 s in the demo), so the bound here is 30 s: the point is that no cold start can hang an invocation.
const INIT_TIMEOUT_MS = 30_000;

/** Waits for a cold instance's handler to be built, as long as Lambda's init phase may take. */
async function startedWithin(instance: FunctionInstance, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new InvocationKilled(name, "timeout", `init took longer than ${INIT_TIMEOUT_MS} ms`)),
      INIT_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([instance.started, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
