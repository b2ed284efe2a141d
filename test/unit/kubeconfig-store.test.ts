import type { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { ClusterRegistry } from "../../lib/clusters/cluster-registry.ts";
import { CLUSTER_ID_HEADER, EKS_TOKEN_PREFIX, EksTokenSource } from "../../lib/clusters/eks-token.ts";
import { eksRequestOf } from "../../lib/clusters/kubeconfig-auth.ts";
import { KubeconfigStore } from "../../lib/clusters/kubeconfig-store.ts";
import { awsExecUser, fakeSecrets, type KubeUser, kubeconfigText } from "./kubeconfig-fixtures.ts";

const T0 = Date.UTC(2026, 2, 14, 9, 0, 0);
const PREFIX = "tenant-sync/clusters/";
const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/EXAMPLEKEY" });

function storeWith(user: KubeUser, options: { ttlMs?: number; env?: NodeJS.ProcessEnv } = {}) {
  const clock = { now: T0 };
  const now = () => clock.now;
  const secrets = fakeSecrets(new Map([[`${PREFIX}prod`, kubeconfigText(user)]]));
  const store = new KubeconfigStore(secrets, {
    now,
    ttlMs: options.ttlMs ?? 60 * 60_000,
    eksTokens: new EksTokenSource({ now, credentials }),
    env: options.env ?? {},
  });
  return { store, clock, secrets };
}

function tokenUrl(config: KubeConfig): URL {
  const token = config.getCurrentUser()?.token ?? "";
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), "base64url").toString("utf8"));
}

describe("KubeconfigStore with EKS exec kubeconfigs", () => {
  it("turns the `aws eks get-token` user into a token user without running anything", async () => {
    const { store } = storeWith(awsExecUser("prod-eu", "eu-west-1", ["--output", "json"]));
    const config = await store.get("prod");
    const user = config.getCurrentUser();
    expect(user?.exec).toBeUndefined();
    expect(user?.name).toBe("arn:aws:eks:eu-west-1:111122223333:cluster/prod");
    const url = tokenUrl(config);
    expect(url.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe(`host;${CLUSTER_ID_HEADER}`);
    // Cluster, CA and context are kept as stored.
    expect(config.getCurrentCluster()?.server).toBe(
      "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
    );
    expect(config.getCurrentCluster()?.caData).toBe(Buffer.from("not a real CA").toString("base64"));
    expect(config.getCurrentContext()).toBe("ctx");
    // The client library sends it as a bearer token.
    const options: { headers?: Record<string, string> } = { headers: {} };
    await config.applyToHTTPSOptions(options as never);
    expect(options.headers?.Authorization).toBe(`Bearer ${user?.token}`);
  });

  it("finds the region in --region, the plugin's env, or the function's AWS_REGION", () => {
    const exec = (args: string[], env: { name: string; value: string }[] = []) => ({
      command: "aws",
      args,
      env,
    });
    expect(
      eksRequestOf(exec(["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "a"]), {}),
    ).toEqual({
      clusterName: "a",
      region: "eu-west-1",
    });
    expect(eksRequestOf(exec(["eks", "get-token", "--cluster-name=a", "--region=ap-south-1"]), {})).toEqual({
      clusterName: "a",
      region: "ap-south-1",
    });
    expect(
      eksRequestOf(
        exec(["eks", "get-token", "--cluster-name", "a"], [{ name: "AWS_REGION", value: "us-west-2" }]),
        {
          AWS_REGION: "eu-central-1",
        },
      ),
    ).toEqual({ clusterName: "a", region: "us-west-2" });
    expect(
      eksRequestOf(exec(["eks", "get-token", "--cluster-name", "a"]), { AWS_REGION: "eu-central-1" }),
    ).toEqual({
      clusterName: "a",
      region: "eu-central-1",
    });
    expect(() => eksRequestOf(exec(["eks", "get-token", "--cluster-name", "a"]), {})).toThrow(
      /names no region/,
    );
    // Full paths and the Outposts cluster id work too.
    expect(
      eksRequestOf(
        {
          command: "/usr/local/bin/aws",
          args: ["eks", "get-token", "--cluster-id", "0a1b", "--region", "eu-west-1"],
        },
        {},
      ),
    ).toEqual({ clusterName: "0a1b", region: "eu-west-1" });
  });

  it("accepts aws-iam-authenticator token -i <cluster>", async () => {
    const { store } = storeWith(
      {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: "aws-iam-authenticator",
          args: ["token", "-i", "legacy"],
        },
      },
      { env: { AWS_REGION: "us-east-2" } },
    );
    const url = tokenUrl(await store.get("prod"));
    expect(url.host).toBe("sts.us-east-2.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/\/us-east-2\/sts\/aws4_request$/);
  });

  it("renews the token after 10 minutes as a new KubeConfig object, which the registry picks up", async () => {
    const { store, clock, secrets } = storeWith(awsExecUser("prod-eu", "eu-west-1"));
    const registry = new ClusterRegistry(store);
    const first = await store.get("prod");
    const firstClient = await registry.client("prod");
    clock.now = T0 + 9 * 60_000;
    expect(await store.get("prod")).toBe(first);
    expect(await registry.client("prod")).toBe(firstClient);
    clock.now = T0 + 10 * 60_000;
    const renewed = await store.get("prod");
    expect(renewed).not.toBe(first);
    expect(tokenUrl(renewed).searchParams.get("X-Amz-Date")).toBe("20260314T091000Z");
    expect(tokenUrl(first).searchParams.get("X-Amz-Date")).toBe("20260314T090000Z");
    expect(await registry.client("prod")).not.toBe(firstClient);
    // The secret is still within its TTL: renewing the token did not read it again.
    expect(secrets.calls).toBe(1);
    // Concurrent callers at renewal time get one and the same new object.
    clock.now = T0 + 21 * 60_000;
    const [a, b] = await Promise.all([store.get("prod"), store.get("prod")]);
    expect(a).toBe(b);
    expect(a).not.toBe(renewed);
  });

  it("keeps a still-valid token when a renewal fails, and fails once it has expired", async () => {
    const clock = { now: T0 };
    const now = () => clock.now;
    let failing = false;
    const store = new KubeconfigStore(
      fakeSecrets(new Map([[`${PREFIX}prod`, kubeconfigText(awsExecUser("prod-eu", "eu-west-1"))]])),
      {
        now,
        ttlMs: 60 * 60_000,
        env: {},
        eksTokens: new EksTokenSource({
          now,
          credentials: async () => {
            if (failing) throw Object.assign(new Error("IMDS timeout"), { name: "TimeoutError" });
            return credentials();
          },
        }),
      },
    );
    const first = await store.get("prod");
    failing = true;
    clock.now = T0 + 11 * 60_000;
    expect(await store.get("prod")).toBe(first);
    clock.now = T0 + 15 * 60_000;
    await expect(store.get("prod")).rejects.toThrow(
      /^cluster prod: EKS token for cluster "prod-eu" in region eu-west-1: no AWS credentials \(TimeoutError\)/,
    );
    failing = false;
    expect(await store.get("prod")).not.toBe(first);
  });

  it("re-reads the secret after the TTL, keeping a still-valid token", async () => {
    const { store, clock, secrets } = storeWith(awsExecUser("prod-eu", "eu-west-1"), { ttlMs: 5 * 60_000 });
    const first = await store.get("prod");
    clock.now = T0 + 5 * 60_000;
    const second = await store.get("prod");
    expect(secrets.calls).toBe(2);
    expect(second).not.toBe(first);
    expect(second.getCurrentUser()?.token).toBe(first.getCurrentUser()?.token);
  });
});

describe("KubeconfigStore with other users", () => {
  it("keeps bearer-token and client-certificate users as they are", async () => {
    const token = storeWith({ token: "abc.def.ghi" });
    const tokenUser = (await token.store.get("prod")).getCurrentUser();
    expect(tokenUser?.token).toBe("abc.def.ghi");
    const cert = storeWith({
      "client-certificate-data": Buffer.from("cert").toString("base64"),
      "client-key-data": Buffer.from("key").toString("base64"),
    });
    const config = await cert.store.get("prod");
    expect(config.getCurrentUser()?.certData).toBe(Buffer.from("cert").toString("base64"));
    expect(config.getCurrentUser()?.keyData).toBe(Buffer.from("key").toString("base64"));
    // Static users never expire: the same object until the TTL.
    cert.clock.now = T0 + 30 * 60_000;
    expect(await cert.store.get("prod")).toBe(config);
  });

  it("rejects any other exec plugin, naming the cluster, secret and command", async () => {
    for (const command of ["gke-gcloud-auth-plugin", "kubelogin", "/opt/bin/custom-auth"]) {
      const { store } = storeWith({
        exec: { apiVersion: "client.authentication.k8s.io/v1", command, args: ["get-token"] },
      });
      await expect(store.get("prod")).rejects.toThrow(
        new RegExp(
          `^cluster prod: kubeconfig in ${PREFIX}prod: user ".*" authenticates with exec plugin "${command}", which cannot run here`,
        ),
      );
    }
  });

  it("rejects aws plugins it cannot imitate, saying why", async () => {
    const cases: [string[], RegExp][] = [
      [["sts", "get-caller-identity"], /must run "eks get-token"/],
      [["eks", "get-token", "--region", "eu-west-1"], /has no --cluster-name/],
      [
        [
          "eks",
          "get-token",
          "--cluster-name",
          "a",
          "--region",
          "eu-west-1",
          "--role-arn",
          "arn:aws:iam::1:role/x",
        ],
        /--role-arn: assuming another role is not supported/,
      ],
      [
        ["eks", "get-token", "--cluster-name", "a", "--region", "eu-west-1", "--endpoint-url", "https://x"],
        /custom STS endpoint/,
      ],
      [
        ["eks", "get-token", "--cluster-name", "a", "--region", "eu-west-1", "--frobnicate"],
        /option --frobnicate is not supported/,
      ],
      [["eks", "get-token", "--cluster-name"], /option --cluster-name has no value/],
    ];
    for (const [args, message] of cases) {
      const { store } = storeWith({ exec: { command: "aws", args } });
      await expect(store.get("prod")).rejects.toThrow(message);
    }
  });
});
