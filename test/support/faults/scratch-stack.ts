import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { loadStackConfig, type StackConfig, scratchStackConfig } from "../../../infra/stack/config.ts";
import { stopDaemon } from "../../../infra/stack/process.ts";
import { down, up } from "../../../infra/stack/stack.ts";
import { type StackInfo, stackEnvironment, stackInfo } from "../../../infra/stack/stack-info.ts";

/**
 * The fault suite stops the API server and the database, so it runs on its own throw-away stack: its own
 * state directory and every port shifted past the shared stack's, which other test files keep using.
 */
export const FAULT_STACK_PORT_SHIFT = 500;

// Returned messages reappear after the visibility timeout: the stack's 60 s would make every retry after a
// fault cost a minute. 10 s stays well above one reconcile, so a message is never handed out twice at once.
const VISIBILITY_TIMEOUT_SECONDS = 10;

export interface ScratchStack {
  config: StackConfig;
  info: StackInfo;
  /** Environment of the functions (relay, sync, sweep) on this stack, for the example tenants table. */
  functionEnv(database: "postgres" | "mysql"): Record<string, string>;
  databaseUrl(database: "postgres" | "mysql"): string;
  /** Kills the API server (SIGKILL, like a crashed node); `restart` brings it back. */
  stopApiServer(): Promise<void>;
  /** Stops the database server (fast shutdown: every session is cut). */
  stopDatabase(database: "postgres" | "mysql"): Promise<void>;
  /** `up` again: whatever was stopped is restarted, healthy services are left alone. */
  restart(): Promise<void>;
  down(): Promise<void>;
}

export async function startScratchStack(options: { keepState?: boolean } = {}): Promise<ScratchStack> {
  const base = loadStackConfig();
  const config = scratchStackConfig(
    base,
    path.join(base.stateDir, `faults-${randomBytes(3).toString("hex")}`),
    FAULT_STACK_PORT_SHIFT,
  );
  await up(config);
  const info = stackInfo(config);
  const env = stackEnvironment(info);
  const sqs = new SQSClient({
    region: info.region,
    endpoint: info.sqsEndpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: info.queueUrl,
        Attributes: { VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS) },
      }),
    );
  } finally {
    sqs.destroy();
  }
  const databaseUrl = (database: "postgres" | "mysql") =>
    database === "postgres" ? info.postgresUrl : info.mariadbUrl;
  return {
    config,
    info,
    databaseUrl,
    functionEnv: (database) => ({
      ...env,
      TENANT_SYNC_DATABASE_URL: databaseUrl(database),
      TENANT_SYNC_TABLE: "tenants",
      TENANT_SYNC_KEY_COLUMN: "id",
      TENANT_SYNC_ACTIVE_COLUMN: "active",
      TENANT_SYNC_CLUSTER_COLUMN: "cluster",
      TENANT_SYNC_DEFAULT_CLUSTER: info.clusterName,
      // Cached kubeconfigs outlive an API server restart (same certificates), as in Lambda.
      TENANT_SYNC_KUBECONFIG_TTL_SECONDS: "300",
    }),
    async stopApiServer() {
      await stopDaemon(config, "kube-apiserver", { signal: "SIGKILL" });
    },
    async stopDatabase(database) {
      if (database === "postgres") await stopDaemon(config, "postgres", { signal: "SIGINT" });
      else await stopDaemon(config, "mariadb");
    },
    restart: () => up(config),
    async down() {
      await down(config);
      if (!options.keepState) fs.rmSync(config.stateDir, { recursive: true, force: true });
    },
  };
}
