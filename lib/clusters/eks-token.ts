import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { TenantSyncError } from "../errors.ts";

/**
 * EKS IAM authentication without the `aws` CLI: the token `aws eks get-token` prints is a presigned STS
 * GetCallerIdentity URL (SigV4 query signing, with the header `x-k8s-aws-id: <cluster>` signed in), base64url
 * encoded without padding and prefixed `k8s-aws-v1.`. The cluster's authenticator calls the URL and maps the
 * caller's IAM identity to a Kubernetes user, so the token is only as good as the credentials that signed it.
 */
export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** What `aws eks get-token` asks for; the authenticator accepts a token for 15 minutes from X-Amz-Date. */
export const PRESIGN_EXPIRES_SECONDS = 60;
export const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;
/** Tokens are replaced well before they lapse, so a request never starts with one about to expire. */
export const EKS_TOKEN_REFRESH_MS = 10 * 60_000;

/** AWS credentials as the SDK's providers return them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialsProvider = () => Promise<AwsCredentials>;

export interface EksTokenRequest {
  /** The EKS cluster name (or, for local clusters on Outposts, the cluster id). */
  clusterName: string;
  region: string;
}

export interface EksToken {
  token: string;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  /** When the cluster stops accepting it (earlier when the signing credentials expire earlier). */
  expiresAt: number;
  /** When a cache should make a new one. */
  refreshAt: number;
}

/** Why no token could be made; names the cluster and region, never credentials. */
export class EksTokenError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "EksTokenError";
  }
}

// EKS cluster names are 1-100 letters, digits, '-' and '_'; Outposts cluster ids are UUIDs.
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The regional STS endpoint host; China regions live under amazonaws.com.cn. */
export function stsHost(region: string): string {
  return region.startsWith("cn-") ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

/** SigV4's hash, from node:crypto (the SDK's Hash interface: update, then an async digest). */
class Sha256 {
  private readonly hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** RFC 3986 encoding, as SigV4 canonicalises query values. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

let defaultCredentials: CredentialsProvider | undefined;

/** The SDK's default chain (environment, web identity, ECS/EC2 roles, profiles), loaded on first use. */
export function defaultCredentialsProvider(): CredentialsProvider {
  if (!defaultCredentials) {
    let provider: Promise<CredentialsProvider> | undefined;
    defaultCredentials = async () => {
      provider ??= import("@aws-sdk/credential-provider-node").then(({ defaultProvider }) =>
        defaultProvider(),
      );
      return (await provider)();
    };
  }
  return defaultCredentials;
}

/** Makes one token now. Errors name the cluster and region and the kind of failure, never a credential. */
export async function createEksToken(
  request: EksTokenRequest,
  options: { credentials?: CredentialsProvider; now?: () => number } = {},
): Promise<EksToken> {
  const { clusterName, region } = request;
  // An invalid value is not repeated: a misplaced argument could be anything, a credential included.
  if (!CLUSTER_NAME.test(clusterName)) {
    throw new EksTokenError(
      "EKS token: the cluster name is not an EKS cluster name (1-100 letters, digits, '-', '_' or '.', starting with a letter or digit)",
    );
  }
  const what = `EKS token for cluster ${JSON.stringify(clusterName)}`;
  if (!REGION.test(region)) {
    throw new EksTokenError(`${what}: the region is not an AWS region name such as eu-west-1`);
  }
  const where = `${what} in region ${region}`;

  const provider = options.credentials ?? defaultCredentialsProvider();
  let credentials: AwsCredentials;
  try {
    credentials = await provider();
  } catch (error) {
    // Provider messages can quote configuration (profiles, process output); only the kind is passed on.
    throw new EksTokenError(
      `${where}: no AWS credentials (${(error as Error)?.name ?? "error"}); the function's IAM role or the AWS_* environment provides them`,
    );
  }
  if (!credentials?.accessKeyId || !credentials.secretAccessKey) {
    throw new EksTokenError(`${where}: the AWS credentials provider returned no access key`);
  }

  const issuedAt = (options.now ?? Date.now)();
  const host = stsHost(region);
  const signer = new SignatureV4({
    credentials,
    region,
    service: "sts",
    sha256: Sha256,
    uriEscapePath: true,
  });
  let signed: Awaited<ReturnType<SignatureV4["presign"]>>;
  try {
    signed = await signer.presign(
      {
        method: "GET",
        protocol: "https:",
        hostname: host,
        path: "/",
        query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
        headers: { host, [CLUSTER_ID_HEADER]: clusterName },
      },
      { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: new Date(issuedAt) },
    );
  } catch (error) {
    throw new EksTokenError(`${where}: signing failed (${(error as Error)?.name ?? "error"})`);
  }

  const query = Object.entries(signed.query ?? {})
    .flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value ?? ""]).map((item) => `${escapeUri(key)}=${escapeUri(item)}`),
    )
    .join("&");
  const url = `https://${host}/?${query}`;
  const token = EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url");

  const credentialsEnd = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
  const expiresAt = Math.min(issuedAt + EKS_TOKEN_LIFETIME_MS, credentialsEnd);
  // Temporary credentials that lapse first end the token too; replace it a minute before they do.
  const refreshAt = Math.max(issuedAt, Math.min(issuedAt + EKS_TOKEN_REFRESH_MS, credentialsEnd - 60_000));
  return { token, issuedAt, expiresAt, refreshAt };
}

export interface EksTokenSourceOptions {
  credentials?: CredentialsProvider;
  now?: () => number;
}

/**
 * Hands out EKS tokens per cluster and region, reusing each until its refresh time (10 minutes, or earlier
 * when the credentials expire sooner). Concurrent callers share one signing.
 */
export class EksTokenSource {
  private readonly credentials: CredentialsProvider | undefined;
  private readonly now: () => number;
  private readonly cache = new Map<string, EksToken>();
  private readonly inflight = new Map<string, Promise<EksToken>>();

  constructor(options: EksTokenSourceOptions = {}) {
    this.credentials = options.credentials;
    this.now = options.now ?? Date.now;
  }

  async get(request: EksTokenRequest): Promise<EksToken> {
    const key = `${request.region}\u0000${request.clusterName}`;
    const cached = this.cache.get(key);
    if (cached && this.now() < cached.refreshAt) return cached;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = createEksToken(request, {
        now: this.now,
        ...(this.credentials ? { credentials: this.credentials } : {}),
      })
        .then((token) => {
          this.cache.set(key, token);
          return token;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }
}
