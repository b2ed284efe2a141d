import type { SQSClient } from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReplayCache } from "../../lib/pipeline/webhook/replay-cache.ts";
import { handleWebhook, type WebhookDeps, type WebhookResponse } from "../../lib/pipeline/webhook/webhook.ts";
import { parseWebhookPayload, tenantKeysOf } from "../../lib/pipeline/webhook/webhook-payload.ts";
import { SIGNATURE_HEADER, signatureHeader } from "../../lib/pipeline/webhook/webhook-signature.ts";
import { registerSecret } from "../support/secret-registry.ts";
import { hostileString, RUNS } from "./hostile-arbitraries.ts";

const SECRET = "whsec-DISTINCTIVE-4f9a2c";
registerSecret("webhook secret", SECRET);
const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 0);
const NOW_S = Math.floor(NOW_MS / 1000);
const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;

/** An SQS that accepts every entry, so a 500 could only come from the handler itself. */
function acceptingSqs() {
  const sent: unknown[] = [];
  const sqs = {
    async send(command: { input: { Entries?: { Id: string; MessageBody: string }[] } }) {
      const entries = command.input.Entries ?? [];
      sent.push(...entries.map((entry) => JSON.parse(entry.MessageBody)));
      return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
    },
  };
  return { sent, sqs: sqs as unknown as SQSClient };
}

function deps(sqs: SQSClient): WebhookDeps {
  return {
    secrets: [SECRET],
    keyColumn: "id",
    table: "tenants",
    now: () => NOW_MS,
    sqs,
    queueUrl: "https://sqs.local/000000000000/tenant-sync.fifo",
    replayCache: new ReplayCache(),
    log: silent,
  };
}

async function call(
  headers: Record<string, string | undefined>,
  rawBody: string | Uint8Array,
): Promise<WebhookResponse> {
  const { sqs } = acceptingSqs();
  return handleWebhook({ headers, rawBody }, deps(sqs));
}

function expectClean(response: WebhookResponse): void {
  expect(JSON.stringify(response)).not.toContain(SECRET);
  if ("error" in response.body) expect(typeof response.body.error).toBe("string");
}

const body = fc.oneof(
  hostileString,
  fc.string({ unit: "binary" }),
  fc.uint8Array({ maxLength: 200 }),
  fc.jsonValue().map((value) => JSON.stringify(value)),
);

const hexDigits = fc.string({
  unit: fc.constantFrom(..."0123456789abcdefABCDEF"),
  minLength: 0,
  maxLength: 70,
});
/** Signature headers from a grammar of plausible and broken parts. */
const signatureValue = fc.oneof(
  hostileString,
  fc
    .array(
      fc.oneof(
        fc.tuple(
          fc.constant("t"),
          fc.oneof(fc.integer({ min: -1, max: 2 ** 40 }).map(String), hostileString),
        ),
        fc.tuple(fc.constant("v1"), fc.oneof(hexDigits, hostileString)),
        fc.tuple(fc.constantFrom("v0", "v2", "", "T", " t"), hostileString),
        fc.tuple(fc.constant("t"), fc.constant(String(NOW_S))),
        fc.tuple(fc.constant("v1"), fc.constant("0".repeat(64))),
      ),
      { maxLength: 12 },
    )
    .chain((parts) =>
      fc
        .constantFrom(",", ", ", ";", " ")
        .map((sep) => parts.map(([key, value]) => `${key}=${value}`).join(sep)),
    ),
);

const headers = fc
  .tuple(
    fc.dictionary(
      fc.oneof(fc.constantFrom("content-type", "x-request-id", "__proto__", "constructor"), hostileString),
      fc.option(hostileString, { nil: undefined }),
      { maxKeys: 5 },
    ),
    fc.option(
      fc.tuple(
        fc.constantFrom(SIGNATURE_HEADER, SIGNATURE_HEADER.toUpperCase(), "X-Tenant-Sync-Signature"),
        signatureValue,
      ),
      {
        nil: undefined,
      },
    ),
  )
  .map(([rest, signature]) => {
    const all: Record<string, string | undefined> = { ...rest };
    if (signature) all[signature[0]] = signature[1];
    return all;
  });

const textOf = (raw: string | Uint8Array) =>
  typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8");

/** The oracle for authentic deliveries: 202 exactly when the body is a row change of the tenants table. */
function keysIfValid(raw: string | Uint8Array): string[] | undefined {
  try {
    return tenantKeysOf(parseWebhookPayload(textOf(raw)), { table: "tenants", keyColumn: "id" });
  } catch {
    return undefined;
  }
}

/** Row-change payloads with one part broken or replaced by anything. */
const nearlyValid = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom("INSERT", "UPDATE", "DELETE"), fc.jsonValue()),
      table: fc.oneof(fc.constant("tenants"), fc.jsonValue()),
      schema: fc.oneof(fc.constant("public"), fc.jsonValue()),
      record: fc.oneof(
        fc.constant({ id: "acme" }),
        fc.record({ id: fc.oneof(hostileString, fc.jsonValue()) }),
        fc.jsonValue(),
      ),
      old_record: fc.oneof(
        fc.constant(null),
        fc.record({ id: fc.oneof(hostileString, fc.jsonValue()) }),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  )
  .map((payload) => JSON.stringify(payload));

describe("handleWebhook on hostile requests", () => {
  it("unsigned or badly signed requests get 401, whatever the headers and body (property)", async () => {
    await fc.assert(
      fc.asyncProperty(headers, body, async (requestHeaders, rawBody) => {
        const response = await call(requestHeaders, rawBody);
        expect(response.status).toBe(401);
        expectClean(response);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("a valid signature over garbage gets 400 (property)", async () => {
    await fc.assert(
      fc.asyncProperty(body, headers, async (rawBody, extra) => {
        fc.pre(keysIfValid(rawBody) === undefined);
        const signed: Record<string, string | undefined> = { ...extra };
        for (const name of Object.keys(extra))
          if (name.toLowerCase() === SIGNATURE_HEADER) delete signed[name];
        signed[SIGNATURE_HEADER] = signatureHeader([SECRET], NOW_S, rawBody);
        const response = await call(signed, rawBody);
        expect(response.status).toBe(400);
        expectClean(response);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("a valid signature over a nearly valid payload gets 202 with exactly its keys, or 400 (property)", async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(nearlyValid, async (rawBody) => {
        const { sqs, sent } = acceptingSqs();
        const response = await handleWebhook(
          { headers: { [SIGNATURE_HEADER]: signatureHeader([SECRET], NOW_S, rawBody) }, rawBody },
          deps(sqs),
        );
        const keys = keysIfValid(rawBody);
        if (keys === undefined) {
          expect(response.status).toBe(400);
          expect(sent).toEqual([]);
        } else {
          expect(response).toEqual({ status: 202, body: { accepted: keys } });
          expect(sent.map((message) => (message as { tenant: string }).tenant)).toEqual(keys);
          for (const key of keys) expect(key.length).toBeGreaterThan(0);
        }
        expectClean(response);
        seen.add(response.status);
      }),
      { numRuns: RUNS * 2 },
    );
    // The generator reaches both sides of the oracle.
    expect([...seen].sort()).toEqual([202, 400]);
  });

  it("a valid signature that is stale, from the future, or for other bytes gets 401", async () => {
    const rawBody = JSON.stringify({
      type: "INSERT",
      table: "tenants",
      schema: "public",
      record: { id: "a" },
      old_record: null,
    });
    for (const at of [NOW_S - 301, NOW_S + 301]) {
      expect(
        (await call({ [SIGNATURE_HEADER]: signatureHeader([SECRET], at, rawBody) }, rawBody)).status,
      ).toBe(401);
    }
    const other = `${rawBody} `;
    expect(
      (await call({ [SIGNATURE_HEADER]: signatureHeader([SECRET], NOW_S, other) }, rawBody)).status,
    ).toBe(401);
    expect(
      (await call({ [SIGNATURE_HEADER]: signatureHeader(["wrong"], NOW_S, rawBody) }, rawBody)).status,
    ).toBe(401);
    expect(
      (await call({ [SIGNATURE_HEADER]: signatureHeader([SECRET], NOW_S, rawBody) }, rawBody)).status,
    ).toBe(202);
  });

  it("bytes that are not UTF-8, signed, get 400", async () => {
    const rawBody = new Uint8Array([0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x80]);
    const response = await call({ [SIGNATURE_HEADER]: signatureHeader([SECRET], NOW_S, rawBody) }, rawBody);
    expect(response.status).toBe(400);
  });
});
