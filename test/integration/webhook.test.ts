import { afterAll, describe, expect, it } from "vitest";
import { ReplayCache } from "../../lib/pipeline/webhook/replay-cache.ts";
import { handleWebhook, type WebhookDeps } from "../../lib/pipeline/webhook/webhook.ts";
import { SIGNATURE_HEADER, signatureHeader } from "../../lib/pipeline/webhook/webhook-signature.ts";
import { tenantGroupId } from "../../lib/queue/group-id.ts";
import { parseTenantMessage } from "../../lib/queue/message.ts";
import { TestQueues } from "../support/queues.ts";
import { registerSecret } from "../support/secret-registry.ts";
import { sqsClient } from "../support/stack.ts";

const secret = "integration-secret";
// The secret scan fails the run if a webhook secret shows up in any log line or status row.
for (const value of [secret, "not-the-secret"]) registerSecret("webhook secret", value);
const nowSeconds = 1_800_000_000;

const row = (type: string, record: object | null, oldRecord: object | null = null) =>
  JSON.stringify({ type, table: "tenants", schema: "public", record, old_record: oldRecord });

const signed = (rawBody: string, t = nowSeconds, secrets = [secret]) => ({
  headers: { [SIGNATURE_HEADER]: signatureHeader(secrets, t, rawBody) },
  rawBody,
});

describe("handleWebhook against the local SQS", () => {
  const sqs = sqsClient();
  const queues = new TestQueues(sqs);
  let queueUrl: string;

  // One queue per test, so "nothing was enqueued" is a plain receive.
  const deps = async (overrides: Partial<WebhookDeps> = {}): Promise<WebhookDeps> => {
    queueUrl = await queues.create("webhook");
    return {
      secrets: [secret],
      keyColumn: "id",
      table: "tenants",
      now: () => nowSeconds * 1000,
      sqs,
      queueUrl,
      replayCache: new ReplayCache(),
      ...overrides,
    };
  };

  afterAll(() => queues.deleteAll());

  it("accepts a signed row change (202) and enqueues the tenant in its own message group", async () => {
    const d = await deps();
    const response = await handleWebhook(signed(row("INSERT", { id: "acme corp", plan: "pro" })), d);
    expect(response).toEqual({ status: 202, body: { accepted: ["acme corp"] } });
    const messages = await queues.receive(queueUrl, 1);
    expect(messages).toHaveLength(1);
    const message = parseTenantMessage(messages[0]?.Body as string);
    expect(message).toEqual({
      tenant: "acme corp",
      reason: "webhook",
      at: new Date(nowSeconds * 1000).toISOString(),
    });
    expect(messages[0]?.Attributes?.MessageGroupId).toBe(tenantGroupId("acme corp"));
  });

  it("enqueues both keys when an UPDATE changed the key", async () => {
    const d = await deps();
    const response = await handleWebhook(signed(row("UPDATE", { id: "new-key" }, { id: "old-key" })), d);
    expect(response).toEqual({ status: 202, body: { accepted: ["old-key", "new-key"] } });
    const messages = await queues.receive(queueUrl, 2);
    const tenants = messages.map((m) => parseTenantMessage(m.Body as string).tenant).sort();
    expect(tenants).toEqual(["new-key", "old-key"]);
    expect(messages.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(["new-key", "old-key"]);
  });

  it("takes the key of a DELETE from old_record", async () => {
    const d = await deps();
    expect(await handleWebhook(signed(row("DELETE", null, { id: 7 })), d)).toEqual({
      status: 202,
      body: { accepted: ["7"] },
    });
    expect((await queues.receive(queueUrl, 1)).map((m) => m.Attributes?.MessageGroupId)).toEqual(["7"]);
  });

  const body = row("INSERT", { id: "t1" });
  it.each([
    ["unsigned", { headers: {}, rawBody: body }, /header is missing/],
    ["malformed", { headers: { [SIGNATURE_HEADER]: "sig=1" }, rawBody: body }, /malformed/],
    [
      "tampered with",
      { ...signed(body), rawBody: row("INSERT", { id: "t2" }) },
      /matches no configured secret/,
    ],
    [
      "signed with a wrong secret",
      signed(body, nowSeconds, ["not-the-secret"]),
      /matches no configured secret/,
    ],
    ["stale", signed(body, nowSeconds - 301), /301 s old/],
    ["from the future", signed(body, nowSeconds + 301), /in the future/],
  ])("answers 401 to a delivery that is %s and enqueues nothing", async (_what, request, message) => {
    const d = await deps();
    const response = await handleWebhook(request, d);
    expect(response.status).toBe(401);
    expect((response.body as { error: string }).error).toMatch(message);
    expect(JSON.stringify(response)).not.toContain(secret);
    expect(await queues.receive(queueUrl)).toEqual([]);
  });

  it("rejects a replay with 401 and enqueues the tenant once", async () => {
    const d = await deps();
    const request = signed(body);
    expect((await handleWebhook(request, d)).status).toBe(202);
    const replay = await handleWebhook(request, { ...d, now: () => (nowSeconds + 60) * 1000 });
    expect(replay).toEqual({
      status: 401,
      body: { error: "webhook delivery was already received (replay)" },
    });
    expect(await queues.receive(queueUrl)).toHaveLength(1);
  });

  it("lets SQS drop a replay that reaches another instance (same deduplication id)", async () => {
    const d = await deps();
    const request = signed(body);
    expect((await handleWebhook(request, d)).status).toBe(202);
    // A second instance has its own, empty replay cache.
    expect((await handleWebhook(request, { ...d, replayCache: new ReplayCache() })).status).toBe(202);
    expect(await queues.receive(queueUrl)).toHaveLength(1);
  });

  it.each([
    ["invalid JSON", "{not json", /not JSON/],
    ["a wrong shape", JSON.stringify({ type: "INSERT" }), /not a row-change payload/],
    [
      "another table",
      JSON.stringify({
        type: "INSERT",
        table: "users",
        schema: "public",
        record: { id: 1 },
        old_record: null,
      }),
      /not the tenants table/,
    ],
    ["a record without the key column", row("INSERT", { name: "x" }), /no key column "id"/],
  ])("answers 400 to a signed body with %s and enqueues nothing", async (_what, rawBody, message) => {
    const d = await deps();
    const response = await handleWebhook(signed(rawBody), d);
    expect(response.status).toBe(400);
    expect((response.body as { error: string }).error).toMatch(message);
    expect(await queues.receive(queueUrl)).toEqual([]);
  });

  it("answers 500 when no secret is configured, and when the queue refuses the message", async () => {
    const d = await deps();
    expect((await handleWebhook(signed(body), { ...d, secrets: [] })).status).toBe(500);
    const missingQueue = `${queueUrl.replace(/[^/]+$/, "")}does-not-exist.fifo`;
    const response = await handleWebhook(signed(body), { ...d, queueUrl: missingQueue });
    expect(response.status).toBe(500);
    // The failed delivery is not remembered: the sender's retry goes through.
    expect((await handleWebhook(signed(body), d)).status).toBe(202);
  });
});
