import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRunner } from "../../infra/dev/runner.ts";
import { loadStackConfig } from "../../infra/stack/config.ts";
import { kubeProcessNames } from "../../infra/stack/kube-clusters.ts";
import { isAlive, readPid, stopDaemon } from "../../infra/stack/process.ts";
import { up } from "../../infra/stack/stack.ts";
import { loadRuntimeConfig } from "../../lib/config.ts";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import { readInventory } from "../../lib/db/inventory-store.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { statusCode } from "../../lib/kube/api-errors.ts";
import { LABEL_TEMPLATE_SET } from "../../lib/kube/labels.ts";
import { createLog } from "../../lib/log.ts";
import { installTriggers } from "../../lib/pipeline/triggers/triggers.ts";
import { createRuntime } from "../../lib/runtime/runtime.ts";
import { sweeperFor } from "../../lib/sweep/from-runtime.ts";
import { createScratchDatabase, type ScratchDatabase } from "../support/databases.ts";
import { TENANTS_DDL, tenantsEnv, writeSets } from "../support/engine.ts";
import { eventually, sqsClient, stack, uniqueName } from "../support/stack.ts";
import { NAMESPACE_TEMPLATE, NAMESPACE_THEN_CONFIG } from "../support/template-sets.ts";

/**
 * Several clusters through the whole pipeline (trigger → outbox → relay → SQS FIFO → sync): routing by the
 * cluster column, moving a tenant, an unknown cluster, and the second cluster's API server going down.
 * This file owns the stack's second cluster (`local-b`): no other test file stops it.
 */
const SET = {
  "templateset.yaml": `name: mc
namespace: "{{#dnsLabel}}mc-{{slug}}{{/dnsLabel}}"
${NAMESPACE_THEN_CONFIG}`,
  "namespace.yaml.mustache": NAMESPACE_TEMPLATE,
  "config.yaml.mustache":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  plan: {{plan}}\n",
};

function coreApi(kubeconfigPath: string): CoreV1Api {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  return config.makeApiClient(CoreV1Api);
}

/** The tenant's ConfigMap on one cluster, or undefined; a namespace being deleted counts as gone. */
async function settingsOn(core: CoreV1Api, namespace: string) {
  try {
    const ns = await core.readNamespace({ name: namespace });
    if (ns.metadata?.deletionTimestamp) return undefined;
    return await core.readNamespacedConfigMap({ name: "settings", namespace });
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}

describe("several clusters through the pipeline", () => {
  const info = stack();
  const config = loadStackConfig();
  const [first, second] = [config.clusterName, config.secondClusterName];
  const cores = {
    [first]: coreApi(info.clusters[first]?.adminKubeconfigPath as string),
    [second]: coreApi(info.clusters[second]?.adminKubeconfigPath as string),
  };
  const sqs = sqsClient();
  const run = uniqueName("c");
  const slug = (id: string) => `${id}-${run}`;
  const ns = (id: string) => `mc-${slug(id)}`;
  let scratch: ScratchDatabase;
  let db: Database;
  let runner: LocalRunner;
  let queueUrl: string;
  let deadLetterUrl: string;
  let env: NodeJS.ProcessEnv;
  const sql = (text: string, params: unknown[] = []) => db.query(text, params);
  const insert = (id: string, cluster: string | null) =>
    sql("INSERT INTO tenants (id, slug, plan, note, cluster) VALUES ($1, $2, 'basic', '', $3)", [
      id,
      slug(id),
      cluster,
    ]);
  const statusOf = async (id: string) => (await readStatus(db, { tenantKey: id }))[0];
  const ready = (ids: string[]) => async () => {
    for (const id of ids) if ((await statusOf(id))?.phase !== "Ready") return false;
    return true;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase("postgres", "clusters");
    db = openDatabase(scratch.url);
    await migrate(db);
    await db.query(TENANTS_DDL.postgres);
    await installTriggers(db, { table: "tenants", keyColumn: "id" });
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${uniqueName("mc-dlq")}.fifo`,
        Attributes: { FifoQueue: "true" },
      }),
    );
    deadLetterUrl = dlq.QueueUrl as string;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ["QueueArn"] }),
    );
    // A short visibility timeout so returned messages come back within the test; a receive limit that a
    // cluster outage of this length cannot reach (production: 360 s × 5 receives, see docs/operations.md).
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${uniqueName("mc")}.fifo`,
        Attributes: {
          FifoQueue: "true",
          VisibilityTimeout: "2",
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 1000 }),
        },
      }),
    );
    queueUrl = queue.QueueUrl as string;
    env = {
      ...process.env,
      ...tenantsEnv({
        databaseUrl: scratch.url,
        defaultCluster: first,
        queueUrl,
        templatesDir: writeSets({ mc: SET }),
      }),
    };
    runner = new LocalRunner({ log: createLog("tenant-sync-test"), syncConcurrency: 2, env });
    await runner.start();
  });

  afterAll(async () => {
    // Whatever happened, the second cluster is running again for the next run (up restarts what is down).
    await up(config);
    await runner?.stop();
    if (db) {
      await sql("DELETE FROM tenants");
      await db.close();
    }
    for (const core of Object.values(cores)) {
      const names = (await core.listNamespace()).items
        .map((n) => n.metadata?.name ?? "")
        .filter((name) => name.endsWith(run));
      for (const name of names) await core.deleteNamespace({ name }).catch(() => {});
    }
    await scratch?.drop();
    for (const url of [queueUrl, deadLetterUrl])
      if (url) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
  });

  it("routes each tenant to the cluster its row names, the default when it names none", async () => {
    await insert("on-a", first);
    await insert("on-b", second);
    await insert("no-cluster", null);
    await eventually("all Ready", ready(["on-a", "on-b", "no-cluster"]));
    const a = cores[first] as CoreV1Api;
    const b = cores[second] as CoreV1Api;
    expect(await settingsOn(a, ns("on-a"))).toBeDefined();
    expect(await settingsOn(b, ns("on-a"))).toBeUndefined();
    expect(await settingsOn(b, ns("on-b"))).toBeDefined();
    expect(await settingsOn(a, ns("on-b"))).toBeUndefined();
    expect(await settingsOn(a, ns("no-cluster"))).toBeDefined();
    expect(await settingsOn(b, ns("no-cluster"))).toBeUndefined();
    expect((await statusOf("on-b"))?.cluster).toBe(second);
  });

  it("moving a tenant creates it on the new cluster and removes it from the old one", async () => {
    await insert("mover", first);
    await eventually("Ready on the first cluster", ready(["mover"]));
    await sql("UPDATE tenants SET cluster = $1, plan = 'pro' WHERE id = $2", [second, "mover"]);
    const b = cores[second] as CoreV1Api;
    const a = cores[first] as CoreV1Api;
    await eventually(
      "on the second cluster",
      async () => (await settingsOn(b, ns("mover")))?.data?.plan === "pro",
    );
    await eventually(
      "gone from the first cluster",
      async () => (await settingsOn(a, ns("mover"))) === undefined,
    );
    await eventually("status names the new cluster", async () => {
      const status = await statusOf("mover");
      return status?.phase === "Ready" && status.cluster === second;
    });
    const inventory = await readInventory(db, "mover");
    expect(new Set(inventory.map((entry) => entry.cluster))).toEqual(new Set([second]));
  });

  it("an unknown cluster fails that tenant with the cluster and secret named; others proceed", async () => {
    await insert("lost", "no-such-cluster");
    await insert("fine", first);
    await eventually("the other tenant Ready", ready(["fine"]));
    const status = await eventually("lost Failed", async () => {
      const row = await statusOf("lost");
      return row?.phase === "Failed" ? row : undefined;
    });
    expect(status.message).toContain("no-such-cluster");
    expect(status.message).toContain(`${info.secretPrefix}no-such-cluster`);
  });

  it("a cluster that is down delays only its own tenants, which converge once it is back", async () => {
    const apiserver = kubeProcessNames(`-${second}`)[1] as string;
    expect(await stopDaemon(config, apiserver)).toBe(true);
    expect(isAlive(readPid(config, apiserver))).toBe(false);

    for (const id of ["down-1", "down-2"]) await insert(id, second);
    for (const id of ["up-1", "up-2"]) await insert(id, first);
    // The first cluster's tenants are not held up by the second's: Ready while it is still down.
    await eventually("the first cluster's tenants Ready", ready(["up-1", "up-2"]));
    for (const id of ["down-1", "down-2"]) {
      const status = await eventually(`${id} Failed naming ${second}`, async () => {
        const row = await statusOf(id);
        return row?.phase === "Failed" && row.message?.includes(second) ? row : undefined;
      });
      expect(status.cluster).toBe(second);
    }
    // Returned, not lost: they are retried (the status is rewritten on each attempt) and not dead-lettered.
    const before = (await statusOf("down-1"))?.observedAt;
    await eventually("down-1 retried", async () => (await statusOf("down-1"))?.observedAt !== before);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, WaitTimeSeconds: 0 }));
    expect(dead.Messages ?? []).toEqual([]);
    expect(await settingsOn(cores[first] as CoreV1Api, ns("down-1"))).toBeUndefined();

    // A tenant moved to the down cluster keeps running where it was: neither the engine (it prunes only
    // after the new cluster is Ready) nor the sweep (it cannot see the new cluster) removes the old copy.
    await sql("UPDATE tenants SET cluster = $1 WHERE id = $2", [second, "on-a"]);
    await eventually("on-a Failed naming the down cluster", async () => {
      const row = await statusOf("on-a");
      return row?.cluster === second && row.phase === "Failed" && row.message?.includes(second);
    });
    const runtime = await createRuntime(loadRuntimeConfig(env), createLog("tenant-sync-test"));
    try {
      const sweep = await sweeperFor(runtime).run({
        inline: true,
        // Only this file's objects: the shared cluster holds other test files' tenants too.
        labelSelector: `${LABEL_TEMPLATE_SET}=mc`,
      });
      expect(sweep.errors.some((e) => e.startsWith(`cluster ${second} not swept`))).toBe(true);
      expect(sweep.counts.orphansAwaitingMove).toBeGreaterThanOrEqual(1);
    } finally {
      await runtime.close();
    }
    expect(await settingsOn(cores[first] as CoreV1Api, ns("on-a"))).toBeDefined();

    await up(config);
    await eventually("the second cluster's tenants Ready", ready(["down-1", "down-2"]), 60_000);
    for (const id of ["down-1", "down-2"])
      expect(await settingsOn(cores[second] as CoreV1Api, ns(id))).toBeDefined();
    // The move completes once the new cluster is back: created there, then removed from the old one.
    await eventually("on-a Ready on the second cluster", async () => {
      const row = await statusOf("on-a");
      return row?.cluster === second && row.phase === "Ready";
    });
    expect(await settingsOn(cores[second] as CoreV1Api, ns("on-a"))).toBeDefined();
    await eventually(
      "on-a gone from the first cluster",
      async () => (await settingsOn(cores[first] as CoreV1Api, ns("on-a"))) === undefined,
    );
  });
});
