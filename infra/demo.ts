import { setTimeout as sleep } from "node:timers/promises";
import { CreateQueueCommand, DeleteQueueCommand } from "@aws-sdk/client-sqs";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Command } from "commander";
import pg from "pg";
import { loadRuntimeConfig } from "../lib/config.ts";
import type { Database } from "../lib/db/database.ts";
import { migrate } from "../lib/db/migrate.ts";
import { readStatus } from "../lib/db/status-store.ts";
import { createLog } from "../lib/log.ts";
import { installTriggers } from "../lib/pipeline/triggers/triggers.ts";
import { RuntimeParts } from "../lib/runtime/parts.ts";
import { localFunctionEnv } from "./dev/local-env.ts";
import { EXAMPLE_TENANTS_DDL, exampleTenant } from "./example/tenants.ts";
import { loadStackConfig } from "./stack/config.ts";
import { simulatorOptionsFromEnv } from "./stack/simulated-behaviour.ts";
import { down } from "./stack/stack.ts";
import { stackInfo } from "./stack/stack-info.ts";
import { WorkloadSimulator } from "./stack/workload-simulator.ts";

// The README's main command: the whole product on the local stack, from a row insert to Ready objects,
// then a change and a teardown, with what happened printed as it happens.

const DEMO_DATABASE = "tenant_sync_demo";
const started = Date.now();
const say = (text: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${text}`);

async function freshDatabase(serverUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${DEMO_DATABASE}`;
  return url.toString();
}

/** Waits until every listed tenant's webapp status has the wanted phase, printing each as it arrives. */
async function waitFor(db: Database, keys: string[], phase: string, since: number, timeoutMs = 120_000) {
  const pending = new Set(keys);
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    if (Date.now() > deadline)
      throw new Error(`demo: ${[...pending].join(", ")} did not reach ${phase} in time`);
    for (const key of [...pending]) {
      const rows = await readStatus(db, { tenantKey: key });
      const webapp = rows.find((row) => row.templateSet === "webapp");
      if (webapp?.phase === phase) {
        pending.delete(key);
        const sets = rows
          .map((r) => `${r.templateSet}=${r.phase}${r.desired ? ` ${r.ready}/${r.desired}` : ""}`)
          .join(", ");
        say(`  ${key.padEnd(8)} ${phase} after ${Date.now() - since} ms  (${sets})`);
      } else if (webapp?.phase === "Failed" || webapp?.phase === "Conflicted") {
        throw new Error(`demo: ${key} is ${webapp.phase}: ${webapp.message}`);
      }
    }
    await sleep(50);
  }
}

const program = new Command("demo")
  .description("run tenant-sync end to end on the local stack")
  .option("--keep", "leave the local stack running afterwards, to look around")
  .option("--verbose", "also print the functions' JSON logs")
  .action(async (options: { keep?: boolean; verbose?: boolean }) => {
    process.env.TENANT_SYNC_LOG_LEVEL ??= options.verbose ? "INFO" : "ERROR";
    process.env.POWERTOOLS_METRICS_DISABLED ??= options.verbose ? "false" : "true";
    // Imported after the log settings above, which the functions read when their modules load.
    const { LocalRunner } = await import("./dev/runner.ts");
    const base = localFunctionEnv("postgres");
    const databaseUrl = await freshDatabase(base.TENANT_SYNC_DATABASE_URL as string);
    const log = createLog("tenant-sync-demo");
    // The demo's own database pool and SQS client, opened where the functions' are.
    const parts = new RuntimeParts(
      loadRuntimeConfig({ ...base, TENANT_SYNC_DATABASE_URL: databaseUrl }),
      log,
    );
    const { QueueUrl } = await parts.sqs.send(
      new CreateQueueCommand({
        QueueName: `tenant-sync-demo-${Date.now()}.fifo`,
        Attributes: { FifoQueue: "true" },
      }),
    );
    const env: NodeJS.ProcessEnv = {
      ...base,
      TENANT_SYNC_DATABASE_URL: databaseUrl,
      TENANT_SYNC_QUEUE_URL: QueueUrl,
    };
    const db = parts.db;
    // Looking around uses KUBECONFIG, the tenant-sync identity (the shipped RBAC lets it read what it manages).
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(env.KUBECONFIG as string);
    const core = kubeconfig.makeApiClient(CoreV1Api);
    const apps = kubeconfig.makeApiClient(AppsV1Api);
    const runner = new LocalRunner({ env, log });
    // The simulator plays kubelet, writing Deployment status: that takes the admin identity, never tenant-sync's.
    const admin = new KubeConfig();
    admin.loadFromFile(stackInfo(loadStackConfig()).adminKubeconfigPath);
    // Only the example sets' workloads: tests running beside the demo keep control of their own.
    const simulator = new WorkloadSimulator(admin, {
      ...simulatorOptionsFromEnv(process.env),
      labelSelector: "tenant-sync.io/template-set in (webapp,monitoring)",
    });
    try {
      say(`database ${DEMO_DATABASE}: migrations, example tenants table, outbox triggers`);
      await migrate(db);
      await db.query(EXAMPLE_TENANTS_DDL.postgres);
      await installTriggers(db, { table: "tenants", keyColumn: "id" });
      say(
        "starting relay (woken by LISTEN/NOTIFY), 8 sync consumers on the FIFO queue, and a kubelet stand-in",
      );
      say(
        "  (no kubelet runs here: Deployments are marked ready by writing their status, as envtest users do)",
      );
      await simulator.start();
      await runner.start();

      const tenants: Record<string, unknown>[] = ["acme", "globex", "initech"].map((name, i) => ({
        ...exampleTenant(name, i + 1),
        id: name,
        slug: name,
        host: `${name}.example.com`,
      }));
      say(`INSERT ${tenants.length} tenants (one transaction each); waiting for Ready:`);
      const insertAt = Date.now();
      for (const t of tenants) {
        await db.query(
          "INSERT INTO tenants (id, slug, display_name, plan, replicas, host, cpu_limit, memory_limit, settings) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
          [t.id, t.slug, t.display_name, t.plan, t.replicas, t.host, t.cpu_limit, t.memory_limit, t.settings],
        );
      }
      await waitFor(
        db,
        tenants.map((t) => t.id as string),
        "Ready",
        insertAt,
      );
      const objects = await core.listNamespacedConfigMap({ namespace: "tenant-acme" });
      const deployment = await apps
        .readNamespacedDeployment({ name: "web", namespace: "tenant-acme" })
        .catch(() => undefined);
      say(
        `  tenant-acme: ${objects.items.length} ConfigMaps, Deployment web with ${deployment?.spec?.replicas ?? "?"} replicas, image ${deployment?.spec?.template.spec?.containers[0]?.image ?? "?"}`,
      );

      say("UPDATE acme: plan pro → enterprise, display name changed");
      const updateAt = Date.now();
      const before = (await readStatus(db, { tenantKey: "acme" })).find(
        (r) => r.templateSet === "webapp",
      )?.updatedAt;
      await db.query(
        "UPDATE tenants SET plan = 'enterprise', display_name = 'Acme Corporation', cpu_limit = '8' WHERE id = 'acme'",
      );
      for (;;) {
        const row = (await readStatus(db, { tenantKey: "acme" })).find((r) => r.templateSet === "webapp");
        if (row && row.updatedAt !== before && row.phase === "Ready") break;
        await sleep(50);
      }
      const quota = await core.listNamespacedResourceQuota({ namespace: "tenant-acme" });
      say(
        `  acme Ready again after ${Date.now() - updateAt} ms; quota limits.cpu is now ${quota.items[0]?.spec?.hard?.["limits.cpu"] ?? "?"}`,
      );

      say("DELETE globex: its objects are torn down in reverse dependency order");
      const deleteAt = Date.now();
      await db.query("DELETE FROM tenants WHERE id = 'globex'");
      await waitFor(db, ["globex"], "Deleted", deleteAt);
      const left = await core.readNamespace({ name: "tenant-globex" }).then(
        (ns) => `namespace tenant-globex is ${ns.status?.phase} (the namespace controller finishes it)`,
        () => "namespace tenant-globex is gone",
      );
      say(`  ${left}`);

      const { rows } = await db.query<{ tenant_key: string; template_set: string; phase: string }>(
        "SELECT tenant_key, template_set, phase FROM tenant_sync_status ORDER BY tenant_key, template_set",
      );
      console.log("\nStatus table (SELECT tenant_key, template_set, phase FROM tenant_sync_status):");
      for (const row of rows)
        console.log(`  ${row.tenant_key.padEnd(8)} ${row.template_set.padEnd(11)} ${row.phase}`);
      // The database URL carries the password: point at env.sh instead of printing it.
      console.log(`
Done in ${((Date.now() - started) / 1000).toFixed(1)} s. To look around, run \`npm run demo -- --keep\`, then:
  source .stack/env.sh                                    # KUBECONFIG (tenant-sync identity), database URL, AWS
  export TENANT_SYNC_DATABASE_URL="\${TENANT_SYNC_DATABASE_URL%/*}/${DEMO_DATABASE}"
  psql "$TENANT_SYNC_DATABASE_URL" -c 'SELECT * FROM tenant_sync_status'
  npm run cli -- status
  npm run dev                                             # keep the pipeline running and insert rows yourself
  npm run stack -- down                                   # stop everything`);
    } finally {
      await runner.stop();
      simulator.stop();
      await parts.sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => {});
      await parts.close();
      if (!options.keep) {
        const stopped = await down(loadStackConfig());
        say(
          `local stack stopped (${stopped.length} processes); \`npm run demo -- --keep\` leaves it running`,
        );
      }
    }
  });

await program.parseAsync();
process.exit(0);
