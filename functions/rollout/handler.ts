import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { loadRuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import { handleRolloutRequest, parseRolloutRequest, type RolloutResult } from "../../lib/rollout/request.ts";
import { createRuntime, lazyRuntime } from "../../lib/runtime/runtime.ts";

const log = createLog("tenant-sync-rollout");

/**
 * Progressive rollouts (docs/rollout.md): `{"action": "step"}` on a schedule admits the next waves;
 * `start`, `pause`, `resume` and `status` (with `"set"`) are invoked by a person.
 */
export function createRolloutHandler(env: NodeJS.ProcessEnv = process.env) {
  const runtime = lazyRuntime(() => createRuntime(loadRuntimeConfig(env), log));
  return middy<unknown, RolloutResult>()
    .use(injectLambdaContext(log))
    .handler(
      async (event: unknown): Promise<RolloutResult> =>
        handleRolloutRequest(await runtime(), parseRolloutRequest(event)),
    );
}

export const handler = createRolloutHandler();
