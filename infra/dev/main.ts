import { KubeConfig } from "@kubernetes/client-node";
import { Command } from "commander";
import { openDatabase } from "../../lib/db/database.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { createLog } from "../../lib/log.ts";
import { installTriggers } from "../../lib/pipeline/triggers.ts";
import { EXAMPLE_TENANTS_DDL } from "../example/tenants.ts";
import { loadStackConfig } from "../stack/config.ts";
import { stackInfo } from "../stack/stack-info.ts";
import { WorkloadSimulator } from "../stack/workload-simulator.ts";
import { localFunctionEnv } from "./local-env.ts";
import { LocalRunner } from "./runner.ts";

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
      // The simulator plays kubelet (writes Deployment status): admin, unlike the runner's tenant-sync identity.
      const kubeconfig = new KubeConfig();
      kubeconfig.loadFromFile(stackInfo(loadStackConfig()).adminKubeconfigPath);
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
