import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { createLog } from "../../lib/log.ts";
import * as rollout from "../../lib/rollout/request.ts";
import { requestParser, runtimeFromEnv, runtimePart } from "../../lib/runtime/lambda.ts";

const log = createLog("tenant-sync-rollout");

/**
 * Progressive rollouts (docs/rollout.md): `{"action": "step"}` on a schedule admits the next waves;
 * `start`, `pause`, `resume` and `status` (with `"set"`) are invoked by a person.
 */
export function createRolloutHandler(env: NodeJS.ProcessEnv = process.env) {
  const runtime = runtimePart(() => runtimeFromEnv(env, log));
  return middy<unknown, rollout.RolloutResult>()
    .use(requestParser(rollout.rolloutRequestSchema, rollout.parseRolloutRequest))
    .use(injectLambdaContext(log))
    .use(runtime)
    .handler((request, context) => rollout.handleRolloutRequest(runtime.of(context), request));
}

export const handler = createRolloutHandler();
