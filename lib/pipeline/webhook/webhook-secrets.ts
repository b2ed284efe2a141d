import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { TenantSyncError } from "../../errors.ts";

/**
 * The webhook's shared secrets: a list, so a rotation can accept the old and the new secret for a while.
 * Written as comma- or newline-separated text, in TENANT_SYNC_WEBHOOK_SECRETS or in a Secrets Manager secret.
 */
export function parseSecretList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((secret) => secret.trim())
    .filter((secret) => secret !== "");
}

export interface WebhookSecretSourceOptions {
  /** Secret values given directly (local runs, tests). */
  secrets?: string;
  /** Name or ARN of a Secrets Manager secret holding the list; wins over `secrets`. */
  secretId?: string;
  client?: () => SecretsManagerClient;
  /** How long a fetched list is reused; a rotation takes effect after this. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Returns a function that yields the current secret list, reading Secrets Manager at most once per TTL.
 * Errors name the secret id and the failure kind, never a value.
 */
export function webhookSecretSource(options: WebhookSecretSourceOptions): () => Promise<string[]> {
  const { secretId, client } = options;
  if (!secretId) {
    const fixed = parseSecretList(options.secrets ?? "");
    return async () => fixed;
  }
  if (!client) throw new TenantSyncError(`webhook secret ${secretId}: no Secrets Manager client given`);
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { secrets: string[]; fetchedAt: number } | undefined;
  let inflight: Promise<string[]> | undefined;

  const fetch = async (): Promise<string[]> => {
    let text: string | undefined;
    try {
      const result = await client().send(new GetSecretValueCommand({ SecretId: secretId }));
      text = result.SecretString;
    } catch (error) {
      throw new TenantSyncError(`reading webhook secret ${secretId} failed: ${(error as Error).name}`);
    }
    const secrets = parseSecretList(text ?? "");
    if (secrets.length === 0) throw new TenantSyncError(`webhook secret ${secretId} holds no secret string`);
    cached = { secrets, fetchedAt: now() };
    return secrets;
  };

  return async () => {
    if (cached && now() - cached.fetchedAt < ttlMs) return cached.secrets;
    inflight ??= fetch().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
}
