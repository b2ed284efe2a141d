import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ConfigError, loadRuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import { ReplayCache } from "../../lib/pipeline/replay-cache.ts";
import { handleWebhook, type WebhookDeps } from "../../lib/pipeline/webhook.ts";
import { loadWebhookConfig } from "../../lib/pipeline/webhook-config.ts";
import { webhookSecretSource } from "../../lib/pipeline/webhook-secrets.ts";

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

interface Setup {
  deps: Omit<WebhookDeps, "secrets">;
  secrets: () => Promise<string[]>;
}

const log = createLog("tenant-sync-webhook");

/** Reads the configuration once per container; the clients, secret cache and replay cache live as long. */
function setup(env: NodeJS.ProcessEnv): Setup {
  const config = loadRuntimeConfig(env);
  const webhook = loadWebhookConfig(env);
  if (!config.queueUrl) throw new ConfigError("invalid configuration: TENANT_SYNC_QUEUE_URL is not set");
  let secretsClient: SecretsManagerClient | undefined;
  return {
    deps: {
      table: config.source.table,
      keyColumn: config.source.keyColumn,
      now: Date.now,
      sqs: new SQSClient({}),
      queueUrl: config.queueUrl,
      replayCache: new ReplayCache(),
      toleranceSeconds: webhook.toleranceSeconds,
      log,
    },
    secrets: webhookSecretSource({
      secrets: webhook.secrets,
      secretId: webhook.secretId,
      client: () => {
        secretsClient ??= new SecretsManagerClient({});
        return secretsClient;
      },
    }),
  };
}

const json = (statusCode: number, body: unknown): Result => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** The HTTP API (payload v2) adapter; `env` is a parameter so tests can build one with their own settings. */
export function createWebhookHandler(env: NodeJS.ProcessEnv = process.env) {
  let ready: Setup | undefined;
  return middy<Event, Result>().handler(async (event) => {
    try {
      ready ??= setup(env);
      // API Gateway base64-encodes bodies it does not consider text; the signature covers the original bytes.
      const rawBody = event.isBase64Encoded
        ? Buffer.from(event.body ?? "", "base64")
        : Buffer.from(event.body ?? "", "utf8");
      const response = await handleWebhook(
        { headers: event.headers ?? {}, rawBody },
        { ...ready.deps, secrets: await ready.secrets() },
      );
      return json(response.status, response.body);
    } catch (error) {
      // Configuration and Secrets Manager errors name the setting or secret id, never a secret value.
      log.error("webhook failed", { error: (error as Error).message });
      const message = error instanceof ConfigError ? error.message : "internal error";
      return json(500, { error: message });
    }
  });
}

export const handler = createWebhookHandler();
