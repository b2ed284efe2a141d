import { loadRuntimeConfig, requireQueueUrl } from "../../lib/config.ts";
import type { Log } from "../../lib/log.ts";
import { OutboxListener } from "../../lib/pipeline/outbox/outbox-listener.ts";
import { RuntimeParts } from "../../lib/runtime/parts.ts";
import { lambdaScheduleMs } from "../serverless/settings.ts";
import { CoalescedTask } from "./coalesced-task.ts";
import { type HandlerModule, type InvocationCounts, LambdaFunction } from "./lambda-function.ts";
import { type SqsHandler, SqsPoller } from "./sqs-poller.ts";

export interface LocalRunnerOptions {
  /** The functions' environment (TENANT_SYNC_*), as Lambda would give it. */
  env: NodeJS.ProcessEnv;
  log: Log;
  /** Concurrent sync "instances" (Lambda concurrency); each takes batches of up to 10 messages. */
  syncConcurrency?: number;
  /** MySQL has no LISTEN/NOTIFY: how often the relay looks for new outbox rows there. */
  relayPollMs?: number;
  /**
   * The relay's schedule, a safety net behind NOTIFY and what sends due rechecks: serverless.yml's
   * `rate(...)` unless a test or benchmark asks for another (and says so).
   */
  relayScheduleMs?: number;
  /**
   * Shorter timeouts or smaller memory than serverless.yml's, per function, so a test can compress time;
   * larger values are cut to serverless.yml's.
   */
  limits?: Partial<Record<"sync" | "relay", { timeoutMs?: number; memoryMb?: number }>>;
  /** Another sync handler (a test's or the fault suite's), built in each instance like the real one. */
  syncHandler?: HandlerModule;
}

const SYNC_HANDLER: HandlerModule = {
  module: new URL("../../functions/sync/handler.ts", import.meta.url),
  factory: "createSyncHandler",
};
const RELAY_HANDLER: HandlerModule = {
  module: new URL("../../functions/relay/handler.ts", import.meta.url),
  factory: "createRelayHandler",
};

/**
 * The deployed shape, on the local stack: the same handlers, driven the way AWS drives them. The relay is
 * woken by PostgreSQL NOTIFY at commit (or polled on MySQL) and also runs on its schedule; SQS is
 * long-polled into Lambda-shaped batches with partial batch failures and visibility timeouts honoured.
 * Every invocation runs as Lambda runs it (lambda-function.ts): in an instance of its own with
 * serverless.yml's timeout and memorySize enforced; a killed invocation's messages are neither deleted nor
 * reported, so they come back after the queue's visibility timeout.
 */
export class LocalRunner {
  private readonly options: LocalRunnerOptions;
  // The poller's SQS client; the handlers open their own parts, as each Lambda function does.
  private readonly parts: RuntimeParts;
  private readonly relay: CoalescedTask;
  private readonly poller: SqsPoller;
  private readonly functions: { sync: LambdaFunction; relay: LambdaFunction };
  private listener: OutboxListener | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(options: LocalRunnerOptions) {
    this.options = options;
    const config = loadRuntimeConfig(options.env);
    const queueUrl = requireQueueUrl(config, "the local runner polls it");
    this.parts = new RuntimeParts(config, options.log);
    const fn = (name: "sync" | "relay", handler: HandlerModule) =>
      new LambdaFunction({ name, handler, env: options.env, log: options.log, ...options.limits?.[name] });
    const sync = fn("sync", options.syncHandler ?? SYNC_HANDLER);
    const relay = fn("relay", RELAY_HANDLER);
    this.functions = { sync, relay };
    // A kill is logged where it happens (lambda-function.ts); here only the handlers' own failures.
    const onError = (what: string) => (error: Error) => {
      if (error.name !== "InvocationKilled") options.log.error(`${what} failed`, { error: error.message });
    };
    this.relay = new CoalescedTask(() => relay.invoke({}), onError("relay"));
    this.poller = new SqsPoller({
      sqs: this.parts.sqs,
      queueUrl,
      handler: (event) => sync.invoke(event) as ReturnType<SqsHandler>,
      onError: onError("sync"),
    });
  }

  async start(): Promise<void> {
    const config = loadRuntimeConfig(this.options.env);
    if (config.databaseUrl.startsWith("postgres")) {
      this.listener = new OutboxListener({
        databaseUrl: config.databaseUrl,
        onNotify: async () => {
          this.relay.request();
        },
        onError: (error) => this.options.log.warn("outbox listener", { error: error.message }),
        debounceMs: 2,
      });
      await this.listener.start();
    } else {
      this.timers.push(setInterval(() => this.relay.request(), this.options.relayPollMs ?? 100));
    }
    this.timers.push(setInterval(() => this.relay.request(), this.relayScheduleMs));
    this.relay.request();
    await this.poller.start(this.options.syncConcurrency ?? 8);
  }

  /** How often the relay runs on its own (serverless.yml's schedule unless options.relayScheduleMs). */
  get relayScheduleMs(): number {
    return this.options.relayScheduleMs ?? lambdaScheduleMs("relay");
  }

  /** Invocations per function, and how many Lambda killed (timeout, out of memory). */
  invocations(): Record<"sync" | "relay", InvocationCounts> {
    return { sync: this.functions.sync.counts, relay: this.functions.relay.counts };
  }

  /** Wakes the relay now (what a deferred trigger invoking the relay Lambda does in AWS). */
  wakeRelay(): void {
    this.relay.request();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.listener?.stop();
    await this.poller.stop();
    await this.relay.idle();
    await Promise.all([this.functions.sync.close(), this.functions.relay.close()]);
    await this.parts.close();
  }
}
