import { KubeConfig } from "@kubernetes/client-node";
import { Command } from "commander";
import { loadRuntimeConfig } from "../../lib/config.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { createLog } from "../../lib/log.ts";
import { installTriggers } from "../../lib/pipeline/triggers/triggers.ts";
import { RuntimeParts } from "../../lib/runtime/parts.ts";
import { EXAMPLE_TENANTS_DDL } from "../example/tenants.ts";
import { loadStackConfig } from "../stack/config.ts";
import { simulatorOptionsFromEnv } from "../stack/simulated-behaviour.ts";
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
    const parts = new RuntimeParts(loadRuntimeConfig(env), log);
    const db = parts.db;
    await migrate(db);
    await db.query(EXAMPLE_TENANTS_DDL[db.dialect]);
    await installTriggers(db, { table: "tenants", keyColumn: "id" });
    await parts.close();
    const runner = new LocalRunner({ env, log });
    await runner.start();
    // One simulator per local cluster, so tenants routed to either become Ready. It plays kubelet (writes
    // Deployment status), so it runs as admin, unlike the runner's tenant-sync identity.
    const simulators: WorkloadSimulator[] = [];
    if (options.simulateWorkloads) {
      for (const cluster of Object.values(stackInfo(loadStackConfig()).clusters)) {
        const kubeconfig = new KubeConfig();
        kubeconfig.loadFromFile(cluster.adminKubeconfigPath);
        // Ready at once unless TENANT_SYNC_SIM_* ask for a slower, imperfect cluster.
        const simulator = new WorkloadSimulator(kubeconfig, simulatorOptionsFromEnv(process.env));
        await simulator.start();
        simulators.push(simulator);
      }
    }
    log.info("local runner started", {
      database: options.mysql ? "mariadb" : "postgres",
      queue: env.TENANT_SYNC_QUEUE_URL,
    });
    const stop = async () => {
      for (const simulator of simulators) simulator.stop();
      await runner.stop();
      process.exit(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

if (import.meta.main) await program.parseAsync();
