import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { loadRuntimeConfig, type RuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import {
  openRelayResources,
  type RelayCycleResult,
  type RelayResources,
  relayCycle,
} from "../../lib/pipeline/relay-cycle.ts";

const log = createLog("tenant-sync-relay");

// Time kept back from the Lambda timeout: a batch started just before it still gets to commit its marks.
const SAFETY_MARGIN_MS = 15_000;

/**
 * Scheduled (and woken) relay: sends waiting outbox rows to the queue, trims old sent ones, logs one line with
 * the counts and returns them. `env` is a parameter so tests can build a handler with their own settings.
 */
export function createRelayHandler(
  env: NodeJS.ProcessEnv = process.env,
  // Injectable so the fault suite can wrap the SQS client (a relay that dies between send and mark).
  openResources: (config: RuntimeConfig) => RelayResources = openRelayResources,
) {
  // Created on first invocation and kept by the warm container: one pool, one SQS client.
  let resources: RelayResources | undefined;
  return middy<unknown, RelayCycleResult>()
    .use(injectLambdaContext(log))
    .handler(async (_event: unknown, context: Context): Promise<RelayCycleResult> => {
      resources ??= openResources(loadRuntimeConfig(env));
      const result = await relayCycle(resources, {
        deadline: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS,
      });
      const level = result.failed > 0 || result.dropped > 0 ? "warn" : "info";
      log[level]("outbox relayed", { ...result });
      return result;
    });
}

export const handler = createRelayHandler();
