import { KubeConfig, type User } from "@kubernetes/client-node";
import { TenantSyncError } from "../errors.ts";
import type { EksTokenRequest } from "./eks-token.ts";

/**
 * How the current user of a kubeconfig authenticates, as far as a Lambda function can act on it. Lambda has
 * no `aws` CLI or other exec plugins, so an exec user is only accepted when tenant-sync can do the plugin's
 * job itself: EKS IAM authentication (`aws eks get-token`, `aws-iam-authenticator token`), which becomes a
 * bearer token made in-process (eks-token.ts). Bearer tokens and client certificates are used as they are.
 */
export type UserAuth = { kind: "static" } | { kind: "eks"; userName: string; request: EksTokenRequest };

/** A kubeconfig user tenant-sync cannot authenticate as. The message names the user and command only. */
export class KubeconfigAuthError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "KubeconfigAuthError";
  }
}

interface ExecSpec {
  command?: unknown;
  args?: unknown;
  env?: unknown;
}

interface ParsedArgs {
  positionals: string[];
  values: Map<string, string>;
  flags: Set<string>;
}

// The options each command may carry: value-taking and boolean. Anything else is refused by name, since
// silently ignoring an option (another role, another endpoint) would authenticate as somebody else.
const AWS_VALUE_OPTIONS = new Set([
  "--region",
  "--cluster-name",
  "--cluster-id",
  "--role-arn",
  "--output",
  "--profile",
  "--endpoint-url",
  "--query",
  "--color",
  "--ca-bundle",
  "--cli-read-timeout",
  "--cli-connect-timeout",
  "--cli-binary-format",
]);
const AWS_BOOLEAN_OPTIONS = new Set([
  "--debug",
  "--no-verify-ssl",
  "--no-paginate",
  "--no-sign-request",
  "--no-cli-pager",
  "--cli-auto-prompt",
  "--no-cli-auto-prompt",
]);
const AUTHENTICATOR_VALUE_OPTIONS = new Set([
  "-i",
  "--cluster-id",
  "-r",
  "--role",
  "--region",
  "-s",
  "--session-name",
  "--external-id",
  "--log-format",
]);
const AUTHENTICATOR_BOOLEAN_OPTIONS = new Set([
  "--forward-session-name",
  "--token-only",
  "--sts-regional-endpoints",
]);

/** The name of a flag as written, without an `=value` part, for messages. */
const flagName = (arg: string) => (arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg);

function parseArgs(
  args: readonly string[],
  valueOptions: ReadonlySet<string>,
  booleanOptions: ReadonlySet<string>,
  command: string,
): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("-")) {
      parsed.positionals.push(arg);
      continue;
    }
    const name = flagName(arg);
    if (booleanOptions.has(name) && name === arg) {
      parsed.flags.add(name);
    } else if (valueOptions.has(name)) {
      const value = name === arg ? args[++i] : arg.slice(name.length + 1);
      if (value === undefined || value === "") {
        throw new KubeconfigAuthError(`exec plugin ${command}: option ${name} has no value`);
      }
      parsed.values.set(name, value);
    } else {
      // Only a plain option word is repeated back: an argument that is something else may be a credential.
      const shown = /^--?[a-z]+(-[a-z]+)*$/.test(name) ? `option ${name}` : "an argument starting with '-'";
      const supported = [...valueOptions, ...booleanOptions].join(", ");
      throw new KubeconfigAuthError(
        `exec plugin ${command}: ${shown} is not supported (supported: ${supported})`,
      );
    }
  }
  return parsed;
}

function execEnv(exec: ExecSpec, name: string): string | undefined {
  if (!Array.isArray(exec.env)) return undefined;
  for (const entry of exec.env as unknown[]) {
    const item = entry as { name?: unknown; value?: unknown } | null;
    if (item?.name === name && typeof item.value === "string" && item.value !== "") return item.value;
  }
  return undefined;
}

function regionOf(
  explicit: string | undefined,
  exec: ExecSpec,
  env: NodeJS.ProcessEnv,
  command: string,
): string {
  const region =
    explicit ??
    execEnv(exec, "AWS_REGION") ??
    execEnv(exec, "AWS_DEFAULT_REGION") ??
    (env.AWS_REGION || undefined) ??
    (env.AWS_DEFAULT_REGION || undefined);
  if (!region) {
    throw new KubeconfigAuthError(
      `exec plugin ${command} names no region: add --region to its args or AWS_REGION to its env`,
    );
  }
  return region;
}

function refuse(values: ReadonlyMap<string, string>, flags: ReadonlySet<string>, command: string): void {
  for (const [option, why] of [
    [
      "--role-arn",
      "assuming another role is not supported; grant the function's own IAM role access to the cluster",
    ],
    ["-r", "assuming another role is not supported; grant the function's own IAM role access to the cluster"],
    [
      "--role",
      "assuming another role is not supported; grant the function's own IAM role access to the cluster",
    ],
    ["--endpoint-url", "a custom STS endpoint is not supported"],
  ] as const) {
    if (values.has(option)) throw new KubeconfigAuthError(`exec plugin ${command}: ${option}: ${why}`);
  }
  if (flags.has("--no-sign-request")) {
    throw new KubeconfigAuthError(`exec plugin ${command}: --no-sign-request cannot make a token`);
  }
}

/** The EKS cluster and region an exec plugin asks a token for, or undefined when it is another plugin. */
export function eksRequestOf(
  exec: ExecSpec,
  env: NodeJS.ProcessEnv = process.env,
): EksTokenRequest | undefined {
  if (typeof exec.command !== "string") return undefined;
  const base =
    exec.command
      .split(/[\\/]/)
      .pop()
      ?.replace(/\.exe$/i, "") ?? "";
  if (base !== "aws" && base !== "aws-iam-authenticator") return undefined;
  const command = JSON.stringify(exec.command);
  const rawArgs = exec.args ?? [];
  if (!Array.isArray(rawArgs) || rawArgs.some((arg) => typeof arg !== "string")) {
    throw new KubeconfigAuthError(`exec plugin ${command}: args must be a list of strings`);
  }
  const args = rawArgs as string[];

  if (base === "aws") {
    const { positionals, values, flags } = parseArgs(args, AWS_VALUE_OPTIONS, AWS_BOOLEAN_OPTIONS, command);
    if (positionals.join(" ") !== "eks get-token") {
      throw new KubeconfigAuthError(
        `exec plugin ${command} must run "eks get-token" to be used without the aws CLI (the kubeconfig \`aws eks update-kubeconfig\` writes)`,
      );
    }
    refuse(values, flags, command);
    const clusterName = values.get("--cluster-id") ?? values.get("--cluster-name");
    if (!clusterName) throw new KubeconfigAuthError(`exec plugin ${command} has no --cluster-name`);
    return { clusterName, region: regionOf(values.get("--region"), exec, env, command) };
  }

  const { positionals, values, flags } = parseArgs(
    args,
    AUTHENTICATOR_VALUE_OPTIONS,
    AUTHENTICATOR_BOOLEAN_OPTIONS,
    command,
  );
  if (positionals.join(" ") !== "token") {
    throw new KubeconfigAuthError(`exec plugin ${command} must run "token" to be used without the binary`);
  }
  refuse(values, flags, command);
  const clusterName = values.get("-i") ?? values.get("--cluster-id");
  if (!clusterName) throw new KubeconfigAuthError(`exec plugin ${command} has no -i/--cluster-id`);
  return { clusterName, region: regionOf(values.get("--region"), exec, env, command) };
}

/**
 * Decides how to authenticate as the kubeconfig's current user. Throws KubeconfigAuthError for an exec
 * plugin other than EKS's; the message names the user and the command, never args or env values.
 */
export function userAuthOf(config: KubeConfig, env: NodeJS.ProcessEnv = process.env): UserAuth {
  const user = config.getCurrentUser();
  if (!user?.exec) return { kind: "static" };
  const exec = user.exec as ExecSpec;
  const request = eksRequestOf(exec, env);
  if (!request) {
    const command = typeof exec.command === "string" ? JSON.stringify(exec.command.slice(0, 200)) : "(none)";
    throw new KubeconfigAuthError(
      `user ${JSON.stringify(user.name)} authenticates with exec plugin ${command}, which cannot run here ` +
        "(Lambda has no plugin binaries); use a bearer token, a client certificate, or EKS IAM authentication " +
        "(aws eks get-token / aws-iam-authenticator token), which tenant-sync performs itself",
    );
  }
  return { kind: "eks", userName: user.name, request };
}

/** A new KubeConfig equal to `config` except that user `userName` is a bearer-token user with `token`. */
export function withBearerToken(config: KubeConfig, userName: string, token: string): KubeConfig {
  const users: User[] = config.users.map((user) =>
    user.name === userName
      ? { name: user.name, token, ...(user.impersonateUser ? { impersonateUser: user.impersonateUser } : {}) }
      : user,
  );
  const next = new KubeConfig();
  next.loadFromOptions({
    clusters: config.clusters,
    contexts: config.contexts,
    users,
    currentContext: config.currentContext,
  });
  return next;
}
