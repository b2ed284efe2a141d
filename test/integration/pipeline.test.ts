import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRunner } from "../../infra/dev/runner.ts";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import type { Dialect } from "../../lib/db/dialect.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { statusCode } from "../../lib/kube/api-errors.ts";
import { createLog } from "../../lib/log.ts";
import { installTriggers, removeTriggers } from "../../lib/pipeline/triggers/triggers.ts";
import { createScratchDatabase, type ScratchDatabase } from "../support/databases.ts";
import { TENANTS_DDL, tenantsEnv, writeSets } from "../support/engine.ts";
import { adminKubeConfig, eventually, sqsClient, uniqueName } from "../support/stack.ts";
import { NAMESPACE_TEMPLATE, NAMESPACE_THEN_CONFIG } from "../support/template-sets.ts";

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const sqs = sqsClient();

const SET = {
  "templateset.yaml": `name: pipe
namespace: "{{#dnsLabel}}pl-{{slug}}{{/dnsLabel}}"
${NAMESPACE_THEN_CONFIG}`,
  "namespace.yaml.mustache": NAMESPACE_TEMPLATE,
  "config.yaml.mustache":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  plan: {{plan}}\n  note: {{note}}\n",
};

async function readConfig(namespace: string) {
  try {
    return await core.readNamespacedConfigMap({ name: "settings", namespace });
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}

async function fifoQueue(name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}.fifo`,
      Attributes: { FifoQueue: "true", VisibilityTimeout: "5", ...attributes },
    }),
  );
  return QueueUrl as string;
}

describe.each<Dialect>(["postgres", "mysql"])(
  "pipeline on %s: row change → outbox → relay → SQS FIFO → sync → cluster",
  (dialect) => {
    let scratch: ScratchDatabase;
    let db: Database;
    let runner: LocalRunner;
    let queueUrl: string;
    let deadLetterUrl: string;
    const run = uniqueName("p");
    const slug = (id: string) => `${id}-${run}`;
    const ns = (id: string) => `pl-${slug(id)}`;
    const sql = (text: string, params: unknown[] = []) => db.query(text, params);
    const statusOf = async (id: string) => (await readStatus(db, { tenantKey: id }))[0]?.phase;

    beforeAll(async () => {
      scratch = await createScratchDatabase(dialect, `pipeline_${dialect}`);
      db = openDatabase(scratch.url);
      await migrate(db);
      await db.query(TENANTS_DDL[dialect]);
      await installTriggers(db, { table: "tenants", keyColumn: "id" });
      deadLetterUrl = await fifoQueue(uniqueName("pipe-dlq"));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ["QueueArn"] }),
      );
      queueUrl = await fifoQueue(uniqueName("pipe"), {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
      });
      runner = new LocalRunner({
        log: createLog("tenant-sync-test"),
        syncConcurrency: 4,
        env: {
          ...process.env,
          ...tenantsEnv({ databaseUrl: scratch.url, queueUrl, templatesDir: writeSets({ pipe: SET }) }),
        },
      });
      await runner.start();
    });

    afterAll(async () => {
      await runner?.stop();
      await db?.close();
      await scratch?.drop();
      for (const url of [queueUrl, deadLetterUrl])
        if (url) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
    });

    it("insert: the objects appear and the status row says Ready; update: they change", async () => {
      await sql("INSERT INTO tenants (id, slug, plan, note) VALUES ($1, $2, $3, $4)", [
        "ins",
        slug("ins"),
        "basic",
        "hello",
      ]);
      await eventually("Ready status", async () => (await statusOf("ins")) === "Ready");
      expect((await readConfig(ns("ins")))?.data).toEqual({ plan: "basic", note: "hello" });

      await sql("UPDATE tenants SET plan = $1 WHERE id = $2", ["pro", "ins"]);
      await eventually("plan updated", async () => (await readConfig(ns("ins")))?.data?.plan === "pro");
    });

    it("delete and deactivate: the objects are torn down", async () => {
      for (const id of ["del", "off"]) {
        await sql("INSERT INTO tenants (id, slug, plan, note) VALUES ($1, $2, 'basic', '')", [id, slug(id)]);
      }
      await eventually(
        "both Ready",
        async () => (await statusOf("del")) === "Ready" && (await statusOf("off")) === "Ready",
      );
      await sql("DELETE FROM tenants WHERE id = $1", ["del"]);
      await sql("UPDATE tenants SET active = $1 WHERE id = $2", ["false", "off"]);
      for (const id of ["del", "off"]) {
        await eventually(`${id} Deleted`, async () => (await statusOf(id)) === "Deleted");
        expect(await readConfig(ns(id))).toBeUndefined();
      }
    });

    it("a burst of updates to one tenant ends in the state of the last one", async () => {
      await sql("INSERT INTO tenants (id, slug, plan, note) VALUES ($1, $2, 'basic', 'v0')", [
        "burst",
        slug("burst"),
      ]);
      for (let i = 1; i <= 25; i++)
        await sql("UPDATE tenants SET note = $1 WHERE id = $2", [`v${i}`, "burst"]);
      await eventually(
        "last note",
        async () => (await readConfig(ns("burst")))?.data?.note === "v25",
        60_000,
      );
      await eventually("Ready", async () => (await statusOf("burst")) === "Ready");
    });

    it("the same message delivered twice changes nothing the second time", async () => {
      await sql("INSERT INTO tenants (id, slug, plan, note) VALUES ($1, $2, 'basic', 'x')", [
        "dup",
        slug("dup"),
      ]);
      await eventually("Ready", async () => (await statusOf("dup")) === "Ready");
      const before = (await readConfig(ns("dup")))?.metadata?.resourceVersion;
      const [row] = await readStatus(db, { tenantKey: "dup" });
      for (const dedup of ["again-1", "again-2"]) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: JSON.stringify({ tenant: "dup", reason: "update", at: new Date().toISOString() }),
            MessageGroupId: "dup",
            MessageDeduplicationId: dedup,
          }),
        );
      }
      await eventually("both messages consumed", async () => {
        const [now] = await readStatus(db, { tenantKey: "dup" });
        return now !== undefined && row !== undefined && now.updatedAt > row.updatedAt;
      });
      expect((await readConfig(ns("dup")))?.metadata?.resourceVersion).toBe(before);
    });

    it("a message whose tenant row is gone tears the tenant down", async () => {
      await sql("INSERT INTO tenants (id, slug, plan, note) VALUES ($1, $2, 'basic', '')", [
        "ghost",
        slug("ghost"),
      ]);
      await eventually("Ready", async () => (await statusOf("ghost")) === "Ready");
      // The row goes without an outbox row (as if deleted before the triggers existed); a later message arrives.
      await removeTriggers(db, { table: "tenants", keyColumn: "id" });
      await sql("DELETE FROM tenants WHERE id = $1", ["ghost"]);
      await installTriggers(db, { table: "tenants", keyColumn: "id" });
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ tenant: "ghost", reason: "sweep", at: new Date().toISOString() }),
          MessageGroupId: "ghost",
          MessageDeduplicationId: uniqueName("ghost"),
        }),
      );
      await eventually("Deleted", async () => (await statusOf("ghost")) === "Deleted");
      expect(await readConfig(ns("ghost"))).toBeUndefined();
    });

    it("a poison message is returned until the redrive policy moves it to the dead-letter queue", async () => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: "{not a tenant message",
          MessageGroupId: "poison",
          MessageDeduplicationId: uniqueName("poison"),
        }),
      );
      const dead = await eventually(
        "poison in the DLQ",
        async () => {
          const { Messages } = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, WaitTimeSeconds: 1 }),
          );
          return Messages?.[0];
        },
        60_000,
      );
      expect(dead.Body).toBe("{not a tenant message");
    });
  },
);
