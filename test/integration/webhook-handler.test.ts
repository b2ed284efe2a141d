import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookHandler, handler } from "../../functions/webhook/handler.ts";
import { SIGNATURE_HEADER, signatureHeader } from "../../lib/pipeline/webhook/webhook-signature.ts";
import { parseTenantMessage } from "../../lib/queue/message.ts";
import { TestQueues } from "../support/queues.ts";
import { registerSecret } from "../support/secret-registry.ts";
import { secretsClient, sqsClient, uniqueName } from "../support/stack.ts";

/** An HTTP API (payload format 2.0) request as API Gateway hands it to the function. */
function httpApiEvent(
  body: string,
  headers: Record<string, string>,
  base64: boolean,
): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: "POST /webhook",
    rawPath: "/webhook",
    rawQueryString: "",
    headers: { "content-type": "application/json", ...headers },
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "local.execute-api.localhost",
      domainPrefix: "local",
      http: {
        method: "POST",
        path: "/webhook",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "test",
      },
      requestId: uniqueName("req"),
      routeKey: "POST /webhook",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: base64 ? Buffer.from(body, "utf8").toString("base64") : body,
    isBase64Encoded: base64,
  };
}

const context = { functionName: "webhook", awsRequestId: "test" } as Context;
const rowChange = (id: string) =>
  JSON.stringify({ type: "INSERT", table: "tenants", schema: "public", record: { id }, old_record: null });
const signedHeaders = (body: string, secret: string) => ({
  // Mixed case on purpose: the handler must not depend on API Gateway's lower-casing.
  [SIGNATURE_HEADER.toUpperCase()]: signatureHeader([secret], Math.floor(Date.now() / 1000), body),
});
const call = async (fn: typeof handler, event: APIGatewayProxyEventV2) =>
  (await fn(event, context)) as APIGatewayProxyStructuredResultV2;

describe("functions/webhook/handler (API Gateway HTTP API v2 events)", () => {
  const sqs = sqsClient();
  const secrets = secretsClient();
  const queues = new TestQueues(sqs);
  const secretName = uniqueName("tenant-sync-test/webhook");
  let queueUrl: string;

  beforeAll(async () => {
    for (const value of ["old-secret", "env-secret", "sm-secret-1", "sm-secret-2"]) {
      registerSecret("webhook secret", value);
    }
    queueUrl = await queues.create("webhook-handler");
    // The exported handler reads process.env on its first invocation.
    Object.assign(process.env, {
      TENANT_SYNC_QUEUE_URL: queueUrl,
      TENANT_SYNC_WEBHOOK_SECRETS: "old-secret, env-secret",
      TENANT_SYNC_TABLE: "tenants",
      TENANT_SYNC_KEY_COLUMN: "id",
    });
    await secrets.send(
      new CreateSecretCommand({ Name: secretName, SecretString: "sm-secret-1,sm-secret-2" }),
    );
  });
  afterAll(async () => {
    await queues.deleteAll();
    await secrets.send(new DeleteSecretCommand({ SecretId: secretName, ForceDeleteWithoutRecovery: true }));
  });

  it.each([
    ["plain", false],
    ["base64-encoded", true],
  ])("accepts a signed %s body and enqueues the tenant", async (_what, base64) => {
    const tenant = uniqueName("tenant");
    const body = rowChange(tenant);
    const result = await call(handler, httpApiEvent(body, signedHeaders(body, "env-secret"), base64));
    expect(result.statusCode).toBe(202);
    expect(result.headers?.["content-type"]).toBe("application/json");
    expect(JSON.parse(result.body as string)).toEqual({ accepted: [tenant] });
    const messages = await queues.receive(queueUrl, 1);
    expect(messages.map((m) => parseTenantMessage(m.Body as string).tenant)).toEqual([tenant]);
  });

  it("answers 401 to an unsigned request and 400 to a signed non-JSON body", async () => {
    const body = rowChange("x");
    const unsigned = await call(handler, httpApiEvent(body, {}, false));
    expect(unsigned.statusCode).toBe(401);
    expect(JSON.parse(unsigned.body as string).error).toMatch(/header is missing/);
    const garbage = await call(
      handler,
      httpApiEvent("not json", signedHeaders("not json", "env-secret"), true),
    );
    expect(garbage.statusCode).toBe(400);
    expect(await queues.receive(queueUrl)).toEqual([]);
  });

  it("reads the secrets from Secrets Manager when TENANT_SYNC_WEBHOOK_SECRET_ID is set", async () => {
    const fromSecretsManager = createWebhookHandler({
      ...process.env,
      TENANT_SYNC_WEBHOOK_SECRETS: "",
      TENANT_SYNC_WEBHOOK_SECRET_ID: secretName,
    });
    const body = rowChange("sm-tenant");
    expect(
      (await call(fromSecretsManager, httpApiEvent(body, signedHeaders(body, "sm-secret-2"), false)))
        .statusCode,
    ).toBe(202);
    const envSecret = await call(
      fromSecretsManager,
      httpApiEvent(body, signedHeaders(body, "env-secret"), false),
    );
    expect(envSecret.statusCode).toBe(401);
    expect(
      (await queues.receive(queueUrl, 1)).map((m) => parseTenantMessage(m.Body as string).tenant),
    ).toEqual(["sm-tenant"]);
  });

  it("answers 500 naming the setting when the configuration is incomplete", async () => {
    const misconfigured = createWebhookHandler({ ...process.env, TENANT_SYNC_WEBHOOK_SECRETS: "" });
    const result = await call(misconfigured, httpApiEvent("{}", {}, false));
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body as string).error).toMatch(/TENANT_SYNC_WEBHOOK_SECRET_ID/);
  });
});
