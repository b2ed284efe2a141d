/**
 * The relay function as its own process, wired as infra/dev/runner.ts wires it (woken by NOTIFY at commit on
 * PostgreSQL, polled on MySQL, plus its schedule), with one fault it can inject into itself: armed with
 * "die-after-send", it SIGKILLs itself right after SQS accepted a batch and before the outbox rows are
 * marked sent. The rows stay unsent and the next relay sends them again.
 */
import { SendMessageBatchCommand, type SendMessageBatchCommandOutput } from "@aws-sdk/client-sqs";
import { createRelayHandler } from "../../../functions/relay/handler.ts";
import { CoalescedTask } from "../../../infra/dev/coalesced-task.ts";
import { lambdaContext } from "../../../infra/dev/lambda-context.ts";
import type { RuntimeConfig } from "../../../lib/config.ts";
import { createLog } from "../../../lib/log.ts";
import { OutboxListener } from "../../../lib/pipeline/outbox/outbox-listener.ts";
import type { RelayResources } from "../../../lib/pipeline/outbox/relay-cycle.ts";
import { openRelayResources } from "../../../lib/runtime/relay.ts";
import { ArmedFaults, dieNow } from "./self-kill.ts";

const log = createLog("tenant-sync-fault-relay");
const faults = new ArmedFaults();

/** The production resources, with SQS sends observed: the only change is the armed self-kill. */
function openResources(config: RuntimeConfig): RelayResources {
  const resources = openRelayResources(config);
  const sqs = resources.sqs;
  const send = sqs.send.bind(sqs) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
  (sqs as unknown as { send: typeof send }).send = async (command, ...rest) => {
    const response = await send(command, ...rest);
    if (command instanceof SendMessageBatchCommand && faults.isArmed("die-after-send")) {
      const accepted = (response as SendMessageBatchCommandOutput).Successful?.length ?? 0;
      if (accepted > 0) dieNow("relay dies between send and mark", { accepted });
    }
    return response;
  };
  return resources;
}

const env = process.env;
const relayHandler = createRelayHandler(env, openResources);
const relay = new CoalescedTask(
  () => relayHandler({}, lambdaContext("relay", 60_000)),
  (error) => log.warn("relay run failed", { error: error.message }),
);

const databaseUrl = env.TENANT_SYNC_DATABASE_URL as string;
if (databaseUrl.startsWith("postgres")) {
  const listener = new OutboxListener({
    databaseUrl,
    onNotify: async () => relay.request(),
    onError: (error) => log.warn("outbox listener", { error: error.message }),
    debounceMs: 2,
  });
  // The first connection may fail while the database restarts; the schedule covers the gap meanwhile.
  const listen = (): void =>
    void listener.start().catch((error: Error) => {
      log.warn("outbox listener could not start", { error: error.message });
      setTimeout(listen, 500);
    });
  listen();
} else {
  setInterval(() => relay.request(), 100);
}
// The schedule (rate(1 minute) in serverless.yml), shortened: it is the safety net behind NOTIFY.
setInterval(() => relay.request(), Number(env.FAULT_RELAY_SCHEDULE_MS ?? 2000));
relay.request();
process.once("SIGTERM", () => process.exit(0));
process.send?.("ready");
