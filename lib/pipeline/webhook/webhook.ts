import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Log } from "../../log.ts";
import type { TenantMessage } from "../../queue/message.ts";
import { type OutgoingMessage, sendTenantMessages } from "../../queue/send.ts";
import type { ReplayCache } from "./replay-cache.ts";
import { PayloadError, parseWebhookPayload, tenantKeysOf } from "./webhook-payload.ts";
import {
  DEFAULT_TOLERANCE_SECONDS,
  deliveryId,
  type RawBody,
  SIGNATURE_HEADER,
  SignatureError,
  verifySignature,
} from "./webhook-signature.ts";

export interface WebhookRequest {
  /** Header names in any case (API Gateway lower-cases them; other callers may not). */
  headers: Record<string, string | undefined>;
  /** The body exactly as received: the signature covers these bytes, not a re-serialisation. */
  rawBody: RawBody;
}

export interface WebhookDeps {
  /** Every secret currently accepted (more than one during a rotation). */
  secrets: readonly string[];
  keyColumn: string;
  table: string;
  /** Clock in milliseconds since the epoch. */
  now: () => number;
  sqs: SQSClient;
  queueUrl: string;
  replayCache: ReplayCache;
  toleranceSeconds?: number;
  log?: Log;
}

export interface WebhookResponse {
  status: 202 | 400 | 401 | 500;
  body: { accepted: string[] } | { error: string };
}

function header(headers: WebhookRequest["headers"], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function reject(status: 400 | 401 | 500, error: string, log: Log | undefined): WebhookResponse {
  log?.warn("webhook rejected", { status, reason: error });
  return { status, body: { error } };
}

/**
 * Verifies a signed database webhook and enqueues "tenant K may have changed" for each key it touches.
 * 401: unsigned, badly signed, stale or replayed. 400: authentic but not a row change of the tenants table.
 * 500: misconfigured, or the queue did not accept every message (the sender should retry).
 */
export async function handleWebhook(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookResponse> {
  const { log } = deps;
  if (deps.secrets.length === 0) return reject(500, "no webhook secret is configured", log);
  const tolerance = deps.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowMs = deps.now();

  let timestamp: number;
  try {
    timestamp = verifySignature({
      header: header(request.headers, SIGNATURE_HEADER),
      rawBody: request.rawBody,
      secrets: deps.secrets,
      nowSeconds: Math.floor(nowMs / 1000),
      toleranceSeconds: tolerance,
    });
  } catch (error) {
    if (error instanceof SignatureError) return reject(401, error.message, log);
    throw error;
  }

  // A delivery can pass the timestamp check until timestamp + tolerance; remember it exactly that long.
  const delivery = deliveryId(timestamp, request.rawBody);
  if (!deps.replayCache.remember(delivery, (timestamp + tolerance) * 1000 + 1000, nowMs)) {
    return reject(401, "webhook delivery was already received (replay)", log);
  }

  let keys: string[];
  let type: string;
  try {
    const text =
      typeof request.rawBody === "string" ? request.rawBody : Buffer.from(request.rawBody).toString("utf8");
    const payload = parseWebhookPayload(text);
    keys = tenantKeysOf(payload, { table: deps.table, keyColumn: deps.keyColumn });
    type = payload.type;
  } catch (error) {
    if (error instanceof PayloadError) return reject(400, error.message, log);
    throw error;
  }

  const at = new Date(timestamp * 1000).toISOString();
  const outgoing: OutgoingMessage[] = keys.map((tenant) => ({
    message: { tenant, reason: "webhook", at } satisfies TenantMessage,
    // Another instance receiving the same delivery within SQS's 5-minute window is dropped by the queue.
    deduplicationId: `webhook-${delivery}-${tenant}`,
  }));
  const result = await sendTenantMessages(deps.sqs, deps.queueUrl, outgoing);
  if (result.failed.length > 0) {
    // Let the sender's retry of this very delivery through; messages already sent dedupe on the queue.
    deps.replayCache.forget(delivery);
    const failed = result.failed.map((f) => `${f.outgoing.message.tenant} (${f.reason})`).join(", ");
    log?.error("webhook enqueue failed", { failed, sent: result.sent.length });
    return { status: 500, body: { error: `could not enqueue tenants: ${failed}` } };
  }
  log?.info("webhook accepted", { type, tenants: keys });
  return { status: 202, body: { accepted: keys } };
}
