import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { loadRuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import { parseResyncRequest, type ResyncResult, resync } from "../../lib/pipeline/resync.ts";
import { createRuntime, lazyRuntime } from "../../lib/runtime/runtime.ts";

const log = createLog("tenant-sync-resync");

/** Manual invoke: `{"tenant": "<key>"}` reconciles now and returns the outcome; `{"all": true}` enqueues every tenant. */
export function createResyncHandler(env: NodeJS.ProcessEnv = process.env) {
  const runtime = lazyRuntime(() => createRuntime(loadRuntimeConfig(env), log));
  return middy<unknown, ResyncResult>()
    .use(injectLambdaContext(log))
    .handler(
      async (event: unknown): Promise<ResyncResult> => resync(await runtime(), parseResyncRequest(event)),
    );
}

export const handler = createResyncHandler();
