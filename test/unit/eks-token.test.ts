import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type AwsCredentials,
  CLUSTER_ID_HEADER,
  createEksToken,
  EKS_TOKEN_PREFIX,
  EksTokenError,
  EksTokenSource,
} from "../../lib/clusters/eks-token.ts";

// AWS's documentation example credentials: nothing here is a real key.
const ACCESS_KEY = "AKIDEXAMPLE";
const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLE//session+token=";
const T0 = Date.UTC(2026, 2, 14, 9, 26, 53); // 2026-03-14T09:26:53Z
const fixed =
  (credentials: AwsCredentials): (() => Promise<AwsCredentials>) =>
  async () =>
    credentials;
const longTerm = fixed({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY });
const temporary = fixed({
  accessKeyId: ACCESS_KEY,
  secretAccessKey: SECRET_KEY,
  sessionToken: SESSION_TOKEN,
});

/**
 * Signatures botocore 1.44.8 produced for the same request (what `aws eks get-token` runs:
 * generate_presigned_url('get_caller_identity', ExpiresIn=60) with the x-k8s-aws-id header injected before
 * signing), cluster prod-eu-1, region eu-west-1, at T0, with the credentials above.
 */
const BOTOCORE = {
  longTerm: "fd0f31ffb3611aedb8dccb8f8eff3fb65dfb9d158d1516b0e2d6cc5510d3c14a",
  temporary: "d4d71847b45d9ad296a790705e9808861227457c56c2d549a979a8feff04beb7",
};
/** botocore's whole URL for the long-term credentials: ours must be byte-for-byte the same. */
const BOTOCORE_URL =
  "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260314%2Feu-west-1%2Fsts%2Faws4_request&X-Amz-Date=20260314T092653Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=fd0f31ffb3611aedb8dccb8f8eff3fb65dfb9d158d1516b0e2d6cc5510d3c14a";

function decode(token: string): URL {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  const body = token.slice(EKS_TOKEN_PREFIX.length);
  expect(body).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(body, "base64url").toString("utf8"));
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const hmac = (key: string | Buffer, text: string) => createHmac("sha256", key).update(text, "utf8").digest();
const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** SigV4 query signing written out from the specification, independent of the code under test. */
function expectedSignature(url: URL, cluster: string, secretKey: string): string {
  const params = [...url.searchParams.entries()].filter(([key]) => key !== "X-Amz-Signature");
  const canonicalQuery = params
    .map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`)
    .sort()
    .join("&");
  const canonicalRequest = [
    "GET",
    "/",
    canonicalQuery,
    `host:${url.host}\n${CLUSTER_ID_HEADER}:${cluster}\n`,
    "host;x-k8s-aws-id",
    sha256(""),
  ].join("\n");
  const amzDate = url.searchParams.get("X-Amz-Date") as string;
  const [, date, region, service] = (url.searchParams.get("X-Amz-Credential") as string).split("/");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${secretKey}`, date as string);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part as string);
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
}

describe("createEksToken", () => {
  it("makes the token aws eks get-token makes: a presigned STS GetCallerIdentity URL", async () => {
    const { token, issuedAt, expiresAt, refreshAt } = await createEksToken(
      { clusterName: "prod-eu-1", region: "eu-west-1" },
      { credentials: temporary, now: () => T0 },
    );
    const url = decode(token);
    expect(url.protocol).toBe("https:");
    expect(url.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/");
    const q = url.searchParams;
    expect(q.get("Action")).toBe("GetCallerIdentity");
    expect(q.get("Version")).toBe("2011-06-15");
    expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(q.get("X-Amz-Credential")).toBe(`${ACCESS_KEY}/20260314/eu-west-1/sts/aws4_request`);
    expect(q.get("X-Amz-Date")).toBe("20260314T092653Z");
    expect(q.get("X-Amz-Expires")).toBe("60");
    expect(q.get("X-Amz-SignedHeaders")?.split(";")).toEqual(["host", "x-k8s-aws-id"]);
    expect(q.get("X-Amz-Security-Token")).toBe(SESSION_TOKEN);
    expect(q.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    // The cluster name travels only as a signed header, never in the URL.
    expect(url.href).not.toContain("prod-eu-1");
    expect([issuedAt, expiresAt - issuedAt, refreshAt - issuedAt]).toEqual([T0, 15 * 60_000, 10 * 60_000]);
  });

  it("signs exactly as the SigV4 specification and botocore do", async () => {
    for (const [credentials, botocore] of [
      [temporary, BOTOCORE.temporary],
      [longTerm, BOTOCORE.longTerm],
    ] as const) {
      const { token } = await createEksToken(
        { clusterName: "prod-eu-1", region: "eu-west-1" },
        { credentials, now: () => T0 },
      );
      const url = decode(token);
      const signature = url.searchParams.get("X-Amz-Signature");
      expect(signature).toBe(expectedSignature(url, "prod-eu-1", SECRET_KEY));
      expect(signature).toBe(botocore);
    }
    const { token } = await createEksToken(
      { clusterName: "prod-eu-1", region: "eu-west-1" },
      { credentials: longTerm, now: () => T0 },
    );
    expect(decode(token).href).toBe(BOTOCORE_URL);
  });

  it("binds the signature to the cluster, the region and the moment", async () => {
    const make = async (clusterName: string, region: string, at: number) =>
      decode((await createEksToken({ clusterName, region }, { credentials: longTerm, now: () => at })).token);
    const base = await make("prod-eu-1", "eu-west-1", T0);
    const other = await make("prod-eu-2", "eu-west-1", T0);
    const later = await make("prod-eu-1", "eu-west-1", T0 + 1000);
    const elsewhere = await make("prod-eu-1", "us-east-2", T0);
    const signatures = [base, other, later, elsewhere].map((url) => url.searchParams.get("X-Amz-Signature"));
    expect(new Set(signatures).size).toBe(4);
    expect(expectedSignature(other, "prod-eu-2", SECRET_KEY)).toBe(signatures[1]);
    expect(expectedSignature(other, "prod-eu-1", SECRET_KEY)).not.toBe(signatures[1]);
    expect(later.searchParams.get("X-Amz-Date")).toBe("20260314T092654Z");
    expect(elsewhere.host).toBe("sts.us-east-2.amazonaws.com");
    expect(elsewhere.searchParams.get("X-Amz-Credential")).toBe(
      `${ACCESS_KEY}/20260314/us-east-2/sts/aws4_request`,
    );
    expect((await make("c", "cn-north-1", T0)).host).toBe("sts.cn-north-1.amazonaws.com.cn");
  });

  it("ends the token early when the signing credentials expire first", async () => {
    const expiring = fixed({
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET_KEY,
      sessionToken: SESSION_TOKEN,
      expiration: new Date(T0 + 5 * 60_000),
    });
    const token = await createEksToken(
      { clusterName: "c", region: "eu-west-1" },
      { credentials: expiring, now: () => T0 },
    );
    expect(token.expiresAt).toBe(T0 + 5 * 60_000);
    expect(token.refreshAt).toBe(T0 + 4 * 60_000);
  });

  it("refuses cluster names and regions that are not AWS's, before asking for credentials", async () => {
    let asked = 0;
    const counting = async () => {
      asked++;
      return { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
    };
    for (const request of [
      { clusterName: "", region: "eu-west-1" },
      { clusterName: "a\nb", region: "eu-west-1" },
      { clusterName: "x".repeat(101), region: "eu-west-1" },
      { clusterName: "ok", region: "eu-west-1.evil.example" },
      { clusterName: "ok", region: "" },
    ]) {
      await expect(createEksToken(request, { credentials: counting })).rejects.toThrow(EksTokenError);
    }
    expect(asked).toBe(0);
  });

  it("reports missing credentials by kind, for the cluster and region", async () => {
    const failing = async () => {
      throw Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      });
    };
    await expect(
      createEksToken({ clusterName: "prod", region: "eu-west-1" }, { credentials: failing }),
    ).rejects.toThrow(
      /EKS token for cluster "prod" in region eu-west-1: no AWS credentials \(CredentialsProviderError\)/,
    );
  });
});

describe("EksTokenSource", () => {
  it("reuses a token for 10 minutes, then makes a new one; concurrent callers share one", async () => {
    let now = T0;
    let asked = 0;
    const source = new EksTokenSource({
      now: () => now,
      credentials: async () => {
        asked++;
        return { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
      },
    });
    const request = { clusterName: "prod", region: "eu-west-1" };
    const [a, b] = await Promise.all([source.get(request), source.get(request)]);
    expect(a).toBe(b);
    expect(asked).toBe(1);
    now = T0 + 10 * 60_000 - 1;
    expect(await source.get(request)).toBe(a);
    now = T0 + 10 * 60_000;
    const renewed = await source.get(request);
    expect(renewed.token).not.toBe(a.token);
    expect(renewed.issuedAt).toBe(now);
    expect(decode(renewed.token).searchParams.get("X-Amz-Date")).toBe("20260314T093653Z");
    // Another cluster has its own token.
    expect((await source.get({ clusterName: "other", region: "eu-west-1" })).token).not.toBe(renewed.token);
  });

  it("does not cache a failure", async () => {
    let fail = true;
    const source = new EksTokenSource({
      now: () => T0,
      credentials: async () => {
        if (fail) throw new Error("metadata service timeout");
        return { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
      },
    });
    const request = { clusterName: "prod", region: "eu-west-1" };
    await expect(source.get(request)).rejects.toThrow(EksTokenError);
    fail = false;
    expect((await source.get(request)).token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  });
});
