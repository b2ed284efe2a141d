import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { loadRuntimeConfig, type RuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import {
  type RelayCycleResult,
  type RelayResources,
  relayCycle,
} from "../../lib/pipeline/outbox/relay-cycle.ts";
import { openRelayResources, runtimePart } from "../../lib/runtime/lambda.ts";

const log = createLog("tenant-sync-relay");

// Time kept back from the Lambda timeout: a batch started just before it still gets to commit its marks.
const SAFETY_MARGIN_MS = 15_000;

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
    .handler((_event, context) => {
      const deadline = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
      return relayCycle(resources.of(context), { deadline, log });
    });
}

export const handler = createRelayHandler();
