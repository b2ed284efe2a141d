import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  computeSignature,
  deliveryId,
  parseSignatureHeader,
  SignatureError,
  signatureHeader,
  verifySignature,
} from "../../lib/pipeline/webhook/webhook-signature.ts";

const secret = "whsec-test-1";
const body = '{"type":"INSERT","table":"tenants"}';
const t = 1_700_000_000;

describe("parseSignatureHeader", () => {
  it("reads the timestamp and every v1 value, ignoring other schemes and spaces", () => {
    const a = "a".repeat(64);
    const b = "B".repeat(64);
    expect(parseSignatureHeader(`t=${t}, v1=${a},v0=old,v1=${b}`)).toEqual({
      timestamp: t,
      signatures: [a, "b".repeat(64)],
    });
  });

  it.each([
    ["no timestamp", `v1=${"a".repeat(64)}`, /no t=/],
    ["no signature", `t=${t}`, /no v1=/],
    ["a non-numeric timestamp", `t=soon,v1=${"a".repeat(64)}`, /t must be unix seconds/],
    ["two timestamps", `t=${t},t=${t},v1=${"a".repeat(64)}`, /t given twice/],
    ["a short signature", `t=${t},v1=abc`, /64 hex digits/],
    ["a non-hex signature", `t=${t},v1=${"z".repeat(64)}`, /64 hex digits/],
    ["an item without =", `t=${t},v1`, /not key=value/],
    ["too many signatures", `t=${t},${`v1=${"a".repeat(64)},`.repeat(9)}`, /at most 8/],
  ])("rejects %s", (_what, header, message) => {
    expect(() => parseSignatureHeader(header)).toThrow(SignatureError);
    expect(() => parseSignatureHeader(header)).toThrow(message);
  });
});

describe("computeSignature", () => {
  it("is the hex HMAC-SHA256 of '<t>.<raw body>'", () => {
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(computeSignature(secret, t, body)).toBe(expected);
    expect(computeSignature(secret, t, Buffer.from(body))).toBe(expected);
  });
});

describe("verifySignature", () => {
  const verify = (header: string | undefined, options: Partial<Parameters<typeof verifySignature>[0]> = {}) =>
    verifySignature({ header, rawBody: body, secrets: [secret], nowSeconds: t, ...options });

  it("accepts a correctly signed, fresh delivery and returns its timestamp", () => {
    expect(verify(signatureHeader([secret], t, body))).toBe(t);
  });

  it("accepts a timestamp exactly at the tolerance, in both directions", () => {
    expect(verify(signatureHeader([secret], t - 300, body))).toBe(t - 300);
    expect(verify(signatureHeader([secret], t + 300, body))).toBe(t + 300);
  });

  it("rejects a timestamp outside the tolerance, old or in the future", () => {
    expect(() => verify(signatureHeader([secret], t - 301, body))).toThrow(/301 s old/);
    expect(() => verify(signatureHeader([secret], t + 301, body))).toThrow(/301 s in the future/);
    expect(() => verify(signatureHeader([secret], t - 30, body), { toleranceSeconds: 10 })).toThrow(
      /tolerance of 10 s/,
    );
  });

  it("rejects a missing or empty header", () => {
    expect(() => verify(undefined)).toThrow(/header is missing/);
    expect(() => verify("  ")).toThrow(/header is missing/);
  });

  it("rejects a tampered body, a wrong secret and a signature for another timestamp", () => {
    expect(() => verify(signatureHeader([secret], t, `${body} `))).toThrow(/matches no configured secret/);
    expect(() => verify(signatureHeader(["other"], t, body))).toThrow(/matches no configured secret/);
    const v1 = computeSignature(secret, t - 1, body);
    expect(() => verify(`t=${t},v1=${v1}`)).toThrow(/matches no configured secret/);
  });

  it("supports rotation: any of several v1 values against any of several secrets", () => {
    const header = signatureHeader(["retired", "new-secret"], t, body);
    expect(verify(header, { secrets: ["old-secret", "new-secret"] })).toBe(t);
    expect(verify(signatureHeader(["old-secret"], t, body), { secrets: ["old-secret", "new-secret"] })).toBe(
      t,
    );
  });

  it("never puts a secret or the expected signature in its error", () => {
    const header = signatureHeader(["wrong"], t, body);
    try {
      verify(header);
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain(secret);
      expect(message).not.toContain(computeSignature(secret, t, body));
    }
  });
});

describe("deliveryId", () => {
  it("is the same for the same signed content and differs otherwise", () => {
    expect(deliveryId(t, body)).toBe(deliveryId(t, Buffer.from(body)));
    expect(deliveryId(t, body)).not.toBe(deliveryId(t + 1, body));
    expect(deliveryId(t, body)).not.toBe(deliveryId(t, `${body} `));
  });
});
