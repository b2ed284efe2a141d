import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { createLog } from "../../lib/log.ts";
import { handleWebhook } from "../../lib/pipeline/webhook/webhook.ts";
import * as lambda from "../../lib/runtime/lambda.ts";

const log = createLog("tenant-sync-webhook");

/** The HTTP API (payload v2) adapter; `env` is a parameter so tests can build one with their own settings. */
export function createWebhookHandler(env: NodeJS.ProcessEnv = process.env) {
  const webhook = lambda.runtimePart(() => lambda.openWebhook(env, log));
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(log))
    .use(lambda.webhookErrors(log))
    .use(webhook)
    .handler(async (event, context) => {
      const { deps, secrets } = webhook.of(context);
      const response = await handleWebhook(lambda.webhookRequestOf(event), {
        ...deps,
        secrets: await secrets(),
      });
      return lambda.httpResultOf(response);
    });
}

export const handler = createWebhookHandler();
