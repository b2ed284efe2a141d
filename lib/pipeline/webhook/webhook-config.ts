import { z } from "zod";
import { parseConfig } from "../../config-parse.ts";
import { ConfigError } from "../../errors.ts";
import { DEFAULT_TOLERANCE_SECONDS } from "./webhook-signature.ts";

const schema = z.object({
  /** Comma-separated secrets; for local runs. In AWS prefer TENANT_SYNC_WEBHOOK_SECRET_ID. */
  TENANT_SYNC_WEBHOOK_SECRETS: z.string().optional(),
  /** Secrets Manager secret (name or ARN) holding the comma- or newline-separated secrets. */
  TENANT_SYNC_WEBHOOK_SECRET_ID: z.string().optional(),
  TENANT_SYNC_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).optional(),
});

export interface WebhookConfig {
  secrets: string | undefined;
  secretId: string | undefined;
  toleranceSeconds: number;
}

/** The webhook's own settings; the table, key column and queue come from loadRuntimeConfig(). */
export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const e = parseConfig(schema, env, "webhook configuration");
  const secretId = e.TENANT_SYNC_WEBHOOK_SECRET_ID?.trim() || undefined;
  const secrets = e.TENANT_SYNC_WEBHOOK_SECRETS?.trim() || undefined;
  if (!secretId && !secrets) {
    throw new ConfigError(
      "invalid webhook configuration: set TENANT_SYNC_WEBHOOK_SECRET_ID (Secrets Manager) or TENANT_SYNC_WEBHOOK_SECRETS",
      { field: "TENANT_SYNC_WEBHOOK_SECRET_ID" },
    );
  }
  return {
    secrets,
    secretId,
    toleranceSeconds: e.TENANT_SYNC_WEBHOOK_TOLERANCE_SECONDS ?? DEFAULT_TOLERANCE_SECONDS,
  };
}
