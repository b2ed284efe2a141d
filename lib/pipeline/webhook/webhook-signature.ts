import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { TenantSyncError } from "../../errors.ts";

/**
 * Webhook signatures, Stripe-style. The sender puts one header on each delivery:
 *
 *     x-tenant-sync-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 *
 * `t` binds the signature to a moment, so a captured delivery stops working after the tolerance. There may be
 * several `v1` values, one per secret the sender holds, and the receiver may hold several secrets too: during a
 * rotation both sides carry the old and the new secret, and any one pair matching is enough. Other schemes
 * (`v0=…`) are ignored so senders can add new ones without breaking old receivers.
 */
export const SIGNATURE_HEADER = "x-tenant-sync-signature";

/** The body exactly as received: bytes, or text that stands for its UTF-8 encoding. */
export type RawBody = string | Uint8Array;

/** Default window, in both directions, between the signed timestamp and the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

// Bounds the work an unauthenticated request can cause (one HMAC per secret, compared to each value).
const MAX_SIGNATURES = 8;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

export class SignatureError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "SignatureError";
  }
}

export interface ParsedSignatureHeader {
  timestamp: number;
  signatures: string[];
}

/** Splits the header into its timestamp and v1 signatures; anything malformed is a SignatureError. */
export function parseSignatureHeader(header: string): ParsedSignatureHeader {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const item of header.split(",")) {
    const part = item.trim();
    if (part === "") continue;
    const equals = part.indexOf("=");
    if (equals <= 0) throw new SignatureError(`${SIGNATURE_HEADER} is malformed: "${part}" is not key=value`);
    const key = part.slice(0, equals);
    const value = part.slice(equals + 1);
    if (key === "t") {
      if (timestamp !== undefined)
        throw new SignatureError(`${SIGNATURE_HEADER} is malformed: t given twice`);
      if (!UNIX_SECONDS.test(value)) {
        throw new SignatureError(`${SIGNATURE_HEADER} is malformed: t must be unix seconds`);
      }
      timestamp = Number(value);
    } else if (key === "v1") {
      const hex = value.toLowerCase();
      if (!HEX_SHA256.test(hex)) {
        throw new SignatureError(`${SIGNATURE_HEADER} is malformed: v1 must be 64 hex digits (HMAC-SHA256)`);
      }
      signatures.push(hex);
    }
  }
  if (timestamp === undefined) throw new SignatureError(`${SIGNATURE_HEADER} is malformed: no t=<timestamp>`);
  if (signatures.length === 0)
    throw new SignatureError(`${SIGNATURE_HEADER} is malformed: no v1=<signature>`);
  if (signatures.length > MAX_SIGNATURES) {
    throw new SignatureError(
      `${SIGNATURE_HEADER} has ${signatures.length} v1 values, at most ${MAX_SIGNATURES}`,
    );
  }
  return { timestamp, signatures };
}

/** The v1 signature of a delivery: hex HMAC-SHA256 of "<timestamp>.<raw body>". */
export function computeSignature(secret: string, timestamp: number, rawBody: RawBody): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}

/** The header a sender attaches: one v1 per secret (all of them during a rotation). */
export function signatureHeader(secrets: readonly string[], timestamp: number, rawBody: RawBody): string {
  const v1 = secrets.map((secret) => `v1=${computeSignature(secret, timestamp, rawBody)}`);
  return [`t=${timestamp}`, ...v1].join(",");
}

/**
 * Identifies one signed delivery: a digest of what every v1 signature covers. A replay is recognised by it
 * whichever of the delivery's signatures (secrets) it presents.
 */
export function deliveryId(timestamp: number, rawBody: RawBody): string {
  return createHash("sha256").update(`${timestamp}.`).update(rawBody).digest("hex");
}

export interface VerifyOptions {
  header: string | undefined;
  rawBody: RawBody;
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}

/**
 * Checks a delivery's signature and freshness; returns the signed timestamp. Throws SignatureError for a
 * missing or malformed header, a timestamp outside the tolerance (either direction) or no matching signature.
 * Error messages never contain a secret or an expected signature.
 */
export function verifySignature(options: VerifyOptions): number {
  const { header, rawBody, secrets, nowSeconds } = options;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (header === undefined || header.trim() === "") {
    throw new SignatureError(`the ${SIGNATURE_HEADER} header is missing`);
  }
  const { timestamp, signatures } = parseSignatureHeader(header);
  const skew = nowSeconds - timestamp;
  if (Math.abs(skew) > tolerance) {
    throw new SignatureError(
      `${SIGNATURE_HEADER} timestamp is ${Math.abs(skew)} s ${skew > 0 ? "old" : "in the future"}, outside the tolerance of ${tolerance} s`,
    );
  }
  const given = signatures.map((hex) => Buffer.from(hex, "hex"));
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), "hex");
    // Constant-time per comparison; both sides are 32 bytes, as the header parser guarantees.
    if (given.some((candidate) => timingSafeEqual(candidate, expected))) return timestamp;
  }
  throw new SignatureError(`${SIGNATURE_HEADER} matches no configured secret`);
}
