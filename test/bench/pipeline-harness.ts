import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { HandlerModule } from "../../infra/dev/lambda-function.ts";
import { LocalRunner } from "../../infra/dev/runner.ts";
import { EXAMPLE_TENANTS_DDL } from "../../infra/example/tenants.ts";
import { tenantQueueSettings } from "../../infra/serverless/settings.ts";
import { WorkloadSimulator, type WorkloadSimulatorOptions } from "../../infra/stack/workload-simulator.ts";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { createLog } from "../../lib/log.ts";
import { installTriggers } from "../../lib/pipeline/triggers/triggers.ts";
import { createScratchDatabase } from "../support/databases.ts";
import { adminKubeConfig, stack, uniqueName } from "../support/stack.ts";

/** serverless.yml: the SQS event source's maximumConcurrency (syncMaxConcurrency) and batchSize. */
export const SYNC_INSTANCES = 10;
/** serverless.yml leaves TENANT_SYNC_DB_POOL_SIZE at its default of 2 connections per instance. */
const POOL_PER_INSTANCE = 2;

export interface PipelineHarness {
  db: Database;
  /** The functions' environment. */
  env: NodeJS.ProcessEnv;
  runner: LocalRunner;
  simulator: WorkloadSimulator;
  /** Tenants whose key starts with `prefix` and whose webapp set is Ready. */
  readyCount(prefix: string): Promise<number>;
  /** Messages in the dead-letter queue (visible or not). */
  deadLettered(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The whole deployed pipeline on the local stack: a scratch PostgreSQL database with the example tenants
 * table and its triggers, a FIFO queue of its own, and the relay and sync handlers driven by the local
 * runner with the production settings (10 concurrent sync instances, batches of 10, default engine
 * concurrency), each invocation under serverless.yml's timeout and memorySize (`runner.invocations()` counts
 * the kills), and the queue's visibility timeout and dead-letter queue (after maxReceiveCount receives) as
 * serverless.yml declares them. `options.simulator` makes workloads slow or broken (its labelSelector keeps
 * it off other users' workloads); by default they are ready at once. Each instance is a worker thread of this
 * process. The relay runs on serverless.yml's schedule unless `options.relayScheduleMs` says otherwise.
 */
export async function pipelineHarness(
  name: string,
  options: {
    simulator?: WorkloadSimulatorOptions;
    syncHandler?: HandlerModule;
    relayScheduleMs?: number;
  } = {},
): Promise<PipelineHarness> {
  const info = stack();
  const sqs = new SQSClient({});
  const scratch = await createScratchDatabase("postgres", name);
  const db = openDatabase(scratch.url, { poolSize: 4 });
  await migrate(db);
  await db.query(EXAMPLE_TENANTS_DDL.postgres);
  await installTriggers(db, { table: "tenants", keyColumn: "id" });
  const queueName = uniqueName("bench");
  const deadLetters = await sqs.send(
    new CreateQueueCommand({ QueueName: `${queueName}-dlq.fifo`, Attributes: { FifoQueue: "true" } }),
  );
  const dlqUrl = deadLetters.QueueUrl as string;
  const { Attributes: dlq } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
  );
  const queue = tenantQueueSettings();
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${queueName}.fifo`,
      Attributes: {
        FifoQueue: "true",
        VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq?.QueueArn,
          maxReceiveCount: queue.maxReceiveCount,
        }),
      },
    }),
  );
  const env = {
    ...process.env,
    ...benchFunctionEnv(info, scratch.url, QueueUrl as string),
    // Each instance opens its own pool, as in Lambda.
    TENANT_SYNC_DB_POOL_SIZE: String(POOL_PER_INSTANCE),
  };
  const runner = new LocalRunner({
    log: createLog("tenant-sync-bench"),
    syncConcurrency: SYNC_INSTANCES,
    ...(options.syncHandler ? { syncHandler: options.syncHandler } : {}),
    ...(options.relayScheduleMs ? { relayScheduleMs: options.relayScheduleMs } : {}),
    env,
  });
  const simulator = new WorkloadSimulator(adminKubeConfig(), options.simulator);
  await simulator.start();
  await runner.start();
  return {
    db,
    env,
    runner,
    simulator,
    async readyCount(prefix) {
      const { rows } = await db.query<{ n: string | number }>(
        "SELECT count(DISTINCT tenant_key) AS n FROM tenant_sync_status WHERE tenant_key LIKE $1 AND phase = 'Ready' AND template_set = 'webapp'",
        [`${prefix}%`],
      );
      return Number(rows[0]?.n ?? 0);
    },
    async deadLettered() {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlqUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return (
        Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
      );
    },
    async close() {
      await runner.stop();
      simulator.stop();
      await db.close();
      await scratch.drop();
      for (const url of [QueueUrl, dlqUrl])
        await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
      sqs.destroy();
    },
  };
}

/** The functions' environment for a benchmark: the example tenants table in `databaseUrl`, the stack's cluster. */
export function benchFunctionEnv(
  info: { clusterName: string; secretPrefix: string },
  databaseUrl: string,
  queueUrl: string,
): Record<string, string> {
  return {
    TENANT_SYNC_DATABASE_URL: databaseUrl,
    TENANT_SYNC_ACTIVE_COLUMN: "active",
    TENANT_SYNC_CLUSTER_COLUMN: "cluster",
    TENANT_SYNC_DEFAULT_CLUSTER: info.clusterName,
    TENANT_SYNC_QUEUE_URL: queueUrl,
    TENANT_SYNC_SECRET_PREFIX: info.secretPrefix,
    TENANT_SYNC_TEMPLATES_DIR: `${process.cwd()}/templates`,
  };
}
