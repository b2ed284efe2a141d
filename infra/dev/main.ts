import { KubeConfig } from "@kubernetes/client-node";
import { Command } from "commander";
import { openDatabase } from "../../lib/db/database.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { createLog } from "../../lib/log.ts";
import { installTriggers } from "../../lib/pipeline/triggers.ts";
import { EXAMPLE_TENANTS_DDL } from "../example/tenants.ts";
import { loadStackConfig } from "../stack/config.ts";
import { stackEnvironment, stackInfo } from "../stack/stack-info.ts";
import { WorkloadSimulator } from "../stack/workload-simulator.ts";
import { LocalRunner } from "./runner.ts";

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

const program = new Command("dev")
  .description("run relay, sync and schedules on the local stack, like Lambda would (Ctrl-C stops)")
  .option("--mysql", "use the stack's MariaDB instead of PostgreSQL")
  .option("--no-simulate-workloads", "do not mark Deployments ready (there is no kubelet locally)")
  .action(async (options: { mysql?: boolean; simulateWorkloads: boolean }) => {
    const log = createLog("tenant-sync-dev");
    const env = localFunctionEnv(options.mysql ? "mysql" : "postgres");
    const db = openDatabase(env.TENANT_SYNC_DATABASE_URL as string);
    await migrate(db);
    await db.query(EXAMPLE_TENANTS_DDL[db.dialect]);
    await installTriggers(db, { table: "tenants", keyColumn: "id" });
    await db.close();
    const runner = new LocalRunner({ env, log });
    await runner.start();
    let simulator: WorkloadSimulator | undefined;
    if (options.simulateWorkloads) {
      const kubeconfig = new KubeConfig();
      kubeconfig.loadFromFile(env.KUBECONFIG as string);
      simulator = new WorkloadSimulator(kubeconfig);
      await simulator.start();
    }
    log.info("local runner started", {
      database: options.mysql ? "mariadb" : "postgres",
      queue: env.TENANT_SYNC_QUEUE_URL,
    });
    const stop = async () => {
      simulator?.stop();
      await runner.stop();
      process.exit(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

if (import.meta.main) await program.parseAsync();
