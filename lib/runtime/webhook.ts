import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { loadRuntimeConfig, requireQueueUrl } from "../config.ts";
import type { Log } from "../log.ts";
import { ReplayCache } from "../pipeline/webhook/replay-cache.ts";
import type { WebhookDeps, WebhookRequest, WebhookResponse } from "../pipeline/webhook/webhook.ts";
import { loadWebhookConfig } from "../pipeline/webhook/webhook-config.ts";
import { webhookSecretSource } from "../pipeline/webhook/webhook-secrets.ts";
import { RuntimeParts } from "./parts.ts";

/** What the webhook keeps per container: its settings, the SQS client, the secret cache and the replay cache. */
export interface WebhookParts {
  deps: Omit<WebhookDeps, "secrets">;
  secrets: () => Promise<string[]>;
}

/** Reads the configuration once per container; a configuration error names the setting. */
export function openWebhook(env: NodeJS.ProcessEnv, log: Log): WebhookParts {
  const config = loadRuntimeConfig(env);
  const webhook = loadWebhookConfig(env);
  const queueUrl = requireQueueUrl(config, "the webhook enqueues the tenants a row change touches");
  const parts = new RuntimeParts(config, log);
  return {
    deps: {
      table: config.source.table,
      keyColumn: config.source.keyColumn,
      now: Date.now,
      sqs: parts.sqs,
      queueUrl,
      replayCache: new ReplayCache(),
      toleranceSeconds: webhook.toleranceSeconds,
      log,
    },
    secrets: webhookSecretSource({
      secrets: webhook.secrets,
      secretId: webhook.secretId,
      client: () => parts.secretsManager,
    }),
  };
}

/** The HTTP API (payload v2) request, with the body's original bytes: the signature covers those. */
export function webhookRequestOf(event: APIGatewayProxyEventV2): WebhookRequest {
  // API Gateway base64-encodes bodies it does not consider text.
  const rawBody = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
  return { headers: event.headers ?? {}, rawBody };
}

export function httpResultOf(response: WebhookResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(response.body),
  };
}
