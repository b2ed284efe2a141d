import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { loadRuntimeConfig, type RuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import {
  type RelayCycleResult,
  type RelayResources,
  relayCycle,
} from "../../lib/pipeline/outbox/relay-cycle.ts";
import { openRelayResources, relayDeadline, runtimePart } from "../../lib/runtime/lambda.ts";

const log = createLog("tenant-sync-relay");

/** Scheduled (and woken) relay: sends waiting outbox rows to the queue, trims old sent ones, logs the counts. */
export function createRelayHandler(
  env: NodeJS.ProcessEnv = process.env,
  // Injectable so the fault suite can wrap the SQS client (a relay that dies between send and mark).
  openResources: (config: RuntimeConfig) => RelayResources = openRelayResources,
) {
  const resources = runtimePart(() => openResources(loadRuntimeConfig(env)));
  return middy<unknown, RelayCycleResult>()
    .use(injectLambdaContext(log))
    .use(resources)
    .handler((_event, context) =>
      relayCycle(resources.of(context), { deadline: relayDeadline(context), log }),
    );
}

export const handler = createRelayHandler();
