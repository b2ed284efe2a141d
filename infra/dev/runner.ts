import { createRelayHandler } from "../../functions/relay/handler.ts";
import { createSyncHandler } from "../../functions/sync/handler.ts";
import { loadRuntimeConfig } from "../../lib/config.ts";
import type { Log } from "../../lib/log.ts";
import { OutboxListener } from "../../lib/pipeline/outbox/outbox-listener.ts";
import { RuntimeParts } from "../../lib/runtime/parts.ts";
import { CoalescedTask } from "./coalesced-task.ts";
import { lambdaContext } from "./lambda-context.ts";
import { SqsPoller } from "./sqs-poller.ts";

export interface LocalRunnerOptions {
  /** The functions' environment (TENANT_SYNC_*), as Lambda would give it. */
  env: NodeJS.ProcessEnv;
  log: Log;
  /** Concurrent sync "instances" (Lambda concurrency); each takes batches of up to 10 messages. */
  syncConcurrency?: number;
  /** MySQL has no LISTEN/NOTIFY: how often the relay looks for new outbox rows there. */
  relayPollMs?: number;
  /** The relay's schedule (rate(1 minute) in serverless.yml), a safety net behind NOTIFY. */
  relayScheduleMs?: number;
}

/**
 * The deployed shape, on the local stack: the same handlers, driven the way AWS drives them. The relay is
 * woken by PostgreSQL NOTIFY at commit (or polled on MySQL) and also runs on its schedule; SQS is
 * long-polled into Lambda-shaped batches with partial batch failures and visibility timeouts honoured.
 */
export class LocalRunner {
  private readonly options: LocalRunnerOptions;
  // The poller's SQS client; the handlers open their own parts, as each Lambda function does.
  private readonly parts: RuntimeParts;
  private readonly relay: CoalescedTask;
  private readonly poller: SqsPoller;
  private listener: OutboxListener | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(options: LocalRunnerOptions) {
    this.options = options;
    const config = loadRuntimeConfig(options.env);
    if (!config.queueUrl) throw new Error("TENANT_SYNC_QUEUE_URL must be set for the local runner");
    this.parts = new RuntimeParts(config, options.log);
    const relayHandler = createRelayHandler(options.env);
    const syncHandler = createSyncHandler(options.env);
    const onError = (what: string) => (error: Error) =>
      options.log.error(`${what} failed`, { error: error.message });
    this.relay = new CoalescedTask(() => relayHandler({}, lambdaContext("relay", 60_000)), onError("relay"));
    this.poller = new SqsPoller({
      sqs: this.parts.sqs,
      queueUrl: config.queueUrl,
      handler: (event) => syncHandler(event, lambdaContext("sync", 300_000)),
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
    this.timers.push(setInterval(() => this.relay.request(), this.options.relayScheduleMs ?? 60_000));
    this.relay.request();
    await this.poller.start(this.options.syncConcurrency ?? 8);
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
    await this.parts.close();
  }
}
