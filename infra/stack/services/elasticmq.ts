import fs from "node:fs";
import path from "node:path";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { StackConfig } from "../config.ts";
import { commandExists, logFile, run, startDaemon, waitUntilHealthy } from "../process.ts";
import type { Service } from "./service.ts";
import { ensureDebianPackages } from "./system.ts";

// Pinned in infra/elasticmq/pom.xml; ≥1.6.16 is needed for the AWS JSON protocol that SDK v3 speaks.
const libDir = (config: StackConfig) => path.join(config.cacheDir, "elasticmq", "lib");
const configFile = (config: StackConfig) => path.join(config.stateDir, "elasticmq", "elasticmq.conf");

export const sqsEndpoint = (config: StackConfig) => `http://${config.host}:${config.ports.elasticmq}`;

/** The product's FIFO queue and its dead-letter queue, declared in config so they exist from the first request. */
function elasticmqConfig(config: StackConfig): string {
  return `include classpath("application.conf")
node-address { protocol = http, host = "${config.host}", port = ${config.ports.elasticmq}, context-path = "" }
rest-sqs { enabled = true, bind-port = ${config.ports.elasticmq}, bind-hostname = "${config.host}", sqs-limits = strict }
rest-stats { enabled = false }
aws { region = ${config.region}, accountId = "000000000000" }
queues {
  "${config.queueName}" {
    fifo = true
    contentBasedDeduplication = false
    defaultVisibilityTimeout = 60 seconds
    deadLettersQueue { name = "${config.deadLetterQueueName}", maxReceiveCount = ${config.maxReceiveCount} }
  }
  "${config.deadLetterQueueName}" { fifo = true }
}
`;
}

export const elasticmq: Service = {
  name: "elasticmq",
  processes: ["elasticmq"],
  ports: (config) => [config.ports.elasticmq],
  endpoint: (config) =>
    `${sqsEndpoint(config)} (SQS; queue ${config.queueName}, DLQ ${config.deadLetterQueueName})`,

  async prepare(config) {
    await ensureDebianPackages("elasticmq", ["default-jre-headless"], () => commandExists("java"));
    await ensureDebianPackages("elasticmq", ["maven"], () => commandExists("mvn"));
    const lib = libDir(config);
    const hasServer = fs.existsSync(lib) && fs.readdirSync(lib).some((f) => f.startsWith("elasticmq-server"));
    if (!hasServer) {
      process.stderr.write("[stack] fetching ElasticMQ from Maven Central\n");
      await run(
        "elasticmq",
        "mvn",
        [
          "-B",
          "-q",
          "-f",
          path.join(config.root, "infra", "elasticmq", "pom.xml"),
          "dependency:copy-dependencies",
          `-DoutputDirectory=${lib}`,
        ],
        { log: logFile(config, "elasticmq-fetch") },
      );
    }
    fs.mkdirSync(path.dirname(configFile(config)), { recursive: true });
    fs.writeFileSync(configFile(config), elasticmqConfig(config));
  },

  async start(config) {
    const pid = startDaemon(config, {
      name: "elasticmq",
      command: "java",
      args: [
        `-Dconfig.file=${configFile(config)}`,
        "-Xmx512m",
        "-cp",
        `${libDir(config)}/*`,
        "org.elasticmq.server.Main",
      ],
    });
    await waitUntilHealthy("elasticmq", () => this.healthy(config), {
      timeoutMs: 60_000,
      log: logFile(config, "elasticmq"),
      pid,
    });
  },

  async healthy(config) {
    const client = new SQSClient({
      region: config.region,
      endpoint: sqsEndpoint(config),
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
    try {
      const { QueueUrls } = await client.send(new ListQueuesCommand({}), {
        abortSignal: AbortSignal.timeout(2000),
      });
      return (QueueUrls ?? []).some((url) => url.endsWith(`/${config.queueName}`));
    } catch {
      return false;
    } finally {
      client.destroy();
    }
  },
};
