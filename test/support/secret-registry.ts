import fs from "node:fs";
import path from "node:path";

/** What the secret scan calls each kind of secret in its findings. */
export type SecretKind = "webhook secret" | "bearer token" | "kubeconfig" | "database password";

export const SECRETS_FILE = "secrets.jsonl";

/**
 * Tells the end-of-run secret scan about a secret a test made up (a webhook secret, a service-account token),
 * so it fails the run if that value shows up in any log line or status row. A no-op outside a scanned run.
 */
export function registerSecret(kind: SecretKind, value: string): void {
  const dir = process.env.TENANT_SYNC_TEST_LOG_DIR;
  if (!dir || value === "") return;
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, SECRETS_FILE), `${JSON.stringify({ kind, value })}\n`, { mode: 0o600 });
}
