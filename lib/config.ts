import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { DEFAULT_SECRET_PREFIX } from "./clusters/secret-name.ts";
import { issueLines, parseConfig } from "./config-parse.ts";
import { ConfigError } from "./errors.ts";

// Callers have always imported ConfigError from here; it lives with the other errors in lib/errors.ts.
export { ConfigError };

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/, "must be a SQL identifier");

/** Everything the functions, the local runner and the CLI read from the environment, validated once. */
const schema = z.object({
  TENANT_SYNC_DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?|mysql|mariadb):\/\//, "must be a postgres:// or mysql:// URL"),
  TENANT_SYNC_TABLE: identifier.default("tenants"),
  TENANT_SYNC_KEY_COLUMN: identifier.default("id"),
  TENANT_SYNC_ACTIVE_COLUMN: identifier.optional(),
  TENANT_SYNC_CLUSTER_COLUMN: identifier.optional(),
  TENANT_SYNC_DEFAULT_CLUSTER: z.string().min(1).default("default"),
  TENANT_SYNC_QUEUE_URL: z.url().optional(),
  TENANT_SYNC_SECRET_PREFIX: z.string().default(DEFAULT_SECRET_PREFIX),
  TENANT_SYNC_TEMPLATES_DIR: z.string().optional(),
  TENANT_SYNC_KUBECONFIG_TTL_SECONDS: z.coerce.number().int().min(0).default(300),
  TENANT_SYNC_CLUSTER_COOLDOWN_SECONDS: z.coerce.number().int().min(0).default(30),
  TENANT_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  TENANT_SYNC_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(2),
  // Back-off of rechecks of objects applied but not ready yet (lib/engine/recheck.ts).
  TENANT_SYNC_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  TENANT_SYNC_RECHECK_MAX_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export interface RuntimeConfig {
  databaseUrl: string;
  source: {
    table: string;
    keyColumn: string;
    activeColumn?: string;
    clusterColumn?: string;
    defaultCluster: string;
  };
  queueUrl: string | undefined;
  secretPrefix: string;
  templatesDir: string;
  kubeconfigTtlMs: number;
  /** How long a cluster that did not answer fails fast for its tenants (lib/clusters/circuit-breaker.ts). */
  clusterCoolDownMs: number;
  concurrency: number;
  dbPoolSize: number;
  recheck: { initialSeconds: number; maxSeconds: number };
}

/** The repository's templates/ folder; in a Lambda bundle templates are copied next to the handler. */
export function defaultTemplatesDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "templates");
}

/** Every problem with the environment, one `VARIABLE: message` each (none when it is valid). */
export function runtimeConfigProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const parsed = schema.safeParse(env);
  return parsed.success ? [] : issueLines(parsed.error);
}

export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const e = parseConfig(schema, env, "configuration");
  return {
    databaseUrl: e.TENANT_SYNC_DATABASE_URL,
    source: {
      table: e.TENANT_SYNC_TABLE,
      keyColumn: e.TENANT_SYNC_KEY_COLUMN,
      ...(e.TENANT_SYNC_ACTIVE_COLUMN ? { activeColumn: e.TENANT_SYNC_ACTIVE_COLUMN } : {}),
      ...(e.TENANT_SYNC_CLUSTER_COLUMN ? { clusterColumn: e.TENANT_SYNC_CLUSTER_COLUMN } : {}),
      defaultCluster: e.TENANT_SYNC_DEFAULT_CLUSTER,
    },
    queueUrl: e.TENANT_SYNC_QUEUE_URL,
    secretPrefix: e.TENANT_SYNC_SECRET_PREFIX,
    templatesDir: e.TENANT_SYNC_TEMPLATES_DIR ?? defaultTemplatesDir(),
    kubeconfigTtlMs: e.TENANT_SYNC_KUBECONFIG_TTL_SECONDS * 1000,
    clusterCoolDownMs: e.TENANT_SYNC_CLUSTER_COOLDOWN_SECONDS * 1000,
    concurrency: e.TENANT_SYNC_CONCURRENCY,
    dbPoolSize: e.TENANT_SYNC_DB_POOL_SIZE,
    recheck: {
      initialSeconds: e.TENANT_SYNC_RECHECK_SECONDS,
      maxSeconds: Math.max(e.TENANT_SYNC_RECHECK_SECONDS, e.TENANT_SYNC_RECHECK_MAX_SECONDS),
    },
  };
}

/**
 * The queue URL, for a caller that cannot work without it; `use` says what the queue is for. The one check
 * of TENANT_SYNC_QUEUE_URL, so every function reports it missing alike.
 */
export function requireQueueUrl(config: { queueUrl?: string | undefined }, use: string): string {
  if (config.queueUrl) return config.queueUrl;
  throw missingQueueUrl(use);
}

/** The one error for a missing queue URL, for callers that hold the queue rather than its URL. */
export function missingQueueUrl(use: string): ConfigError {
  return new ConfigError(`invalid configuration: TENANT_SYNC_QUEUE_URL is not set (${use})`, {
    field: "TENANT_SYNC_QUEUE_URL",
  });
}
