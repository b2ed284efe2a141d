import { loadStackConfig } from "../stack/config.ts";
import { stackEnvironment, stackInfo } from "../stack/stack-info.ts";

/** The functions' environment on the local stack, for the example tenants table. */
export function localFunctionEnv(database: "postgres" | "mysql"): NodeJS.ProcessEnv {
  const info = stackInfo(loadStackConfig());
  Object.assign(process.env, stackEnvironment(info));
  return {
    ...process.env,
    TENANT_SYNC_DATABASE_URL: database === "postgres" ? info.postgresUrl : info.mariadbUrl,
    TENANT_SYNC_TABLE: "tenants",
    TENANT_SYNC_KEY_COLUMN: "id",
    TENANT_SYNC_ACTIVE_COLUMN: "active",
    TENANT_SYNC_CLUSTER_COLUMN: "cluster",
    TENANT_SYNC_DEFAULT_CLUSTER: info.clusterName,
    TENANT_SYNC_QUEUE_URL: info.queueUrl,
    TENANT_SYNC_SECRET_PREFIX: info.secretPrefix,
  };
}
