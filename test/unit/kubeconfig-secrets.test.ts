import { inspect } from "node:util";
import { ResourceNotFoundException } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { createEksToken, EksTokenSource } from "../../lib/clusters/eks-token.ts";
import { KubeconfigStore } from "../../lib/clusters/kubeconfig-store.ts";
import { awsExecUser, fakeSecrets, type KubeUser, kubeconfigText } from "./kubeconfig-fixtures.ts";

// Distinctive material that must never come back in an error: if any of these strings (or a recognisable
// piece of them) shows up in a message, a stack, a cause or any property, the test fails.
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.SECRETTOKENq7Zx3Wv9.sig4Kp2Lm8Nn";
const KEY_DATA = Buffer.from(
  "-----BEGIN EC PRIVATE KEY-----\nSECRETKEYMATERIALr8Tq1Vz\n-----END EC PRIVATE KEY-----\n",
).toString("base64");
const CERT_DATA = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nCERTMATERIALw3Ey6Hb\n-----END CERTIFICATE-----\n",
).toString("base64");
const PASSWORD = "SECRETPASSWORDx8Jd2Qa";
const ARG_SECRET = "SECRETARGj5Rk0Ty";
const ENV_SECRET = "SECRETENVm2Xc7Np";
const AWS_SECRET_KEY = "SECRETAWSKEYwJalrXUtnFEMIK7MDENG";
const AWS_SESSION = "SECRETSESSIONFQoGZXIvYXdz";
const SECRETS = [TOKEN, KEY_DATA, CERT_DATA, PASSWORD, ARG_SECRET, ENV_SECRET, AWS_SECRET_KEY, AWS_SESSION];
const FRAGMENTS = [
  ...SECRETS,
  "SECRETTOKEN",
  "SECRETKEYMATERIAL",
  "CERTMATERIAL",
  "SECRETPASSWORD",
  "SECRETARG",
  "SECRETENV",
  "SECRETAWSKEY",
  "SECRETSESSION",
  KEY_DATA.slice(20, 40),
  CERT_DATA.slice(20, 40),
];

function expectClean(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  const everything = [
    (error as Error).message,
    String((error as Error).stack),
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
  ].join("\n");
  for (const fragment of FRAGMENTS) expect(everything).not.toContain(fragment);
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

const secretUser: KubeUser = {
  token: TOKEN,
  "client-certificate-data": CERT_DATA,
  "client-key-data": KEY_DATA,
  password: PASSWORD,
  username: "admin",
};
const goodCredentials = async () => ({
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: AWS_SECRET_KEY,
  sessionToken: AWS_SESSION,
});

function storeFor(value: string | Error, options: { credentials?: () => Promise<never> } = {}) {
  return new KubeconfigStore(fakeSecrets(new Map([["tenant-sync/clusters/c1", value]])), {
    eksTokens: new EksTokenSource({ credentials: options.credentials ?? goodCredentials }),
    env: {},
  });
}

const full = kubeconfigText(secretUser);
const withExec = (exec: Record<string, unknown>) => kubeconfigText({ ...secretUser, exec });

// Every way KubeconfigStore.get can fail, each fed a kubeconfig (or an SDK error) full of secret material.
const STORE_FAILURES: [string, string | Error, RegExp][] = [
  [
    "secret not found (SDK message quoting the secret)",
    new ResourceNotFoundException({ message: `not found: ${TOKEN}`, $metadata: {} }),
    /no kubeconfig secret named tenant-sync\/clusters\/c1/,
  ],
  [
    "Secrets Manager fails with the secret in its message",
    Object.assign(new Error(`AccessDenied for value ${KEY_DATA} ${TOKEN}`), {
      name: "AccessDeniedException",
      cause: TOKEN,
    }),
    /reading secret tenant-sync\/clusters\/c1 failed: AccessDeniedException/,
  ],
  ["empty secret", "", /is empty/],
  [
    "YAML syntax error right after a token",
    `users:\n- name: u\n  user:\n    token: ${TOKEN}\n   bad: [\n`,
    /does not hold a valid kubeconfig/,
  ],
  [
    "YAML that is not a kubeconfig",
    `users:\n- user:\n    token: ${TOKEN}\n    client-key-data: ${KEY_DATA}\n`,
    /does not hold a valid kubeconfig|no current-context cluster/,
  ],
  [
    "user without a name",
    full.replace(/- name: arn:aws:eks:eu-west-1:111122223333:cluster\/prod\n/, "- "),
    /does not hold a valid kubeconfig|no current-context cluster/,
  ],
  [
    "token-file pointing nowhere",
    kubeconfigText({ "token-file": `/nonexistent/${TOKEN}` }),
    /does not hold a valid kubeconfig/,
  ],
  [
    "no current context",
    full.replace(/current-context: ctx/, `current-context: ${TOKEN}`),
    /no current-context cluster/,
  ],
  [
    "unsupported exec plugin with secrets in args and env",
    withExec({
      command: "kubelogin",
      args: ["get-token", "--password", PASSWORD, ARG_SECRET],
      env: [{ name: "KUBE_TOKEN", value: ENV_SECRET }],
    }),
    /exec plugin "kubelogin", which cannot run here/,
  ],
  [
    "aws exec with an unknown option carrying a secret",
    withExec({
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "a", "--region", "eu-west-1", `--token=${ARG_SECRET}`],
    }),
    /option --token is not supported/,
  ],
  [
    "aws exec with an argument that is a secret",
    withExec({
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "a", "--region", "eu-west-1", `-${ARG_SECRET}`],
    }),
    /an argument starting with '-' is not supported/,
  ],
  [
    "aws exec with a secret positional",
    withExec({ command: "aws", args: ["eks", "get-token", ARG_SECRET, "--region", "eu-west-1"] }),
    /must run "eks get-token"/,
  ],
  [
    "aws exec assuming a role named by a secret",
    withExec({
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "a", "--region", "eu-west-1", "--role-arn", ARG_SECRET],
    }),
    /--role-arn: assuming another role/,
  ],
  [
    "aws exec without a region, secrets in env",
    withExec({
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "a"],
      env: [{ name: "AWS_SECRET_ACCESS_KEY", value: ENV_SECRET }],
    }),
    /names no region/,
  ],
  [
    "aws exec with a cluster name that is no EKS name",
    withExec({
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "a b", "--region", "eu-west-1"],
    }),
    /not an EKS cluster name/,
  ],
  [
    "aws exec with args that are not strings",
    withExec({ command: "aws", args: ["eks", "get-token", { token: TOKEN }] }),
    /args must be a list of strings/,
  ],
];

describe("no secret material in KubeconfigStore errors", () => {
  it.each(STORE_FAILURES)("%s", async (_name, value, message) => {
    const error = await failureOf(storeFor(value).get("c1"));
    expect((error as Error).message).toMatch(/^cluster c1: /);
    expect((error as Error).message).toMatch(message);
    expectClean(error);
  });

  it("EKS credentials failing with secrets in the provider's error", async () => {
    const leaky = async (): Promise<never> => {
      throw Object.assign(new Error(`bad profile: aws_secret_access_key = ${AWS_SECRET_KEY}`), {
        name: "CredentialsProviderError",
        cause: AWS_SESSION,
      });
    };
    const error = await failureOf(
      storeFor(kubeconfigText(awsExecUser("prod", "eu-west-1")), { credentials: leaky }).get("c1"),
    );
    expect((error as Error).message).toMatch(
      /^cluster c1: EKS token for cluster "prod" in region eu-west-1: no AWS credentials \(CredentialsProviderError\)/,
    );
    expectClean(error);
  });

  it("a valid EKS kubeconfig still works after all that (the checks are not vacuous)", async () => {
    const config = await storeFor(kubeconfigText(awsExecUser("prod", "eu-west-1"))).get("c1");
    expect(config.getCurrentUser()?.token).toMatch(/^k8s-aws-v1\./);
  });
});

describe("no secret material in eks-token errors", () => {
  it.each([
    ["bad cluster name", { clusterName: `x\n${AWS_SECRET_KEY}`, region: "eu-west-1" }],
    ["bad region", { clusterName: "ok", region: AWS_SESSION }],
  ])("%s", async (_name, request) => {
    expectClean(await failureOf(createEksToken(request, { credentials: goodCredentials })));
  });

  it("credentials without an access key", async () => {
    const partial = async () => ({
      accessKeyId: "",
      secretAccessKey: AWS_SECRET_KEY,
      sessionToken: AWS_SESSION,
    });
    expectClean(
      await failureOf(createEksToken({ clusterName: "ok", region: "eu-west-1" }, { credentials: partial })),
    );
  });

  it("a provider that throws a non-Error holding the secret", async () => {
    const odd = async (): Promise<never> => {
      throw { secret: AWS_SECRET_KEY, toString: () => AWS_SECRET_KEY };
    };
    expectClean(
      await failureOf(createEksToken({ clusterName: "ok", region: "eu-west-1" }, { credentials: odd })),
    );
  });
});
