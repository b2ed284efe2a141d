import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { createLog } from "../../lib/log.ts";
import {
  parseResyncRequest,
  type ResyncResult,
  resync,
  resyncRequestSchema,
} from "../../lib/pipeline/sync/resync.ts";
import { invocationDeadline, requestParser, runtimeFromEnv, runtimePart } from "../../lib/runtime/lambda.ts";

const log = createLog("tenant-sync-resync");

/** Manual invoke: `{"tenant": "<key>"}` reconciles now and returns the outcome; `{"all": true}` enqueues every tenant. */
export function createResyncHandler(env: NodeJS.ProcessEnv = process.env) {
  const runtime = runtimePart(() => runtimeFromEnv(env, log));
  return middy<unknown, ResyncResult>()
    .use(requestParser(resyncRequestSchema, parseResyncRequest))
    .use(injectLambdaContext(log))
    .use(runtime)
    .handler((request, context) =>
      resync(runtime.of(context), request, { deadline: invocationDeadline(context) }),
    );
}

export const handler = createResyncHandler();
