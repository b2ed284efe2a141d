import { createHash } from "node:crypto";

// SQS allows 1-128 characters of [A-Za-z0-9] and !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ in group and dedup ids.
const SQS_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

/**
 * The FIFO MessageGroupId for a tenant: the key itself when SQS accepts it, otherwise a hash of it, so every
 * message of one tenant always lands in the same group (per-tenant order, cross-tenant parallelism).
 */
export function tenantGroupId(tenantKey: string): string {
  return SQS_ID.test(tenantKey) ? tenantKey : `h-${createHash("sha256").update(tenantKey).digest("hex")}`;
}

/** A deduplication id from any text (outbox id, webhook delivery id), within SQS's limits. */
export function deduplicationId(source: string): string {
  return SQS_ID.test(source) ? source : createHash("sha256").update(source).digest("hex");
}
