import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { zipEntries } from "../support/zip-entries.ts";

const root = path.resolve(import.meta.dirname, "../..");
const output = path.join(root, ".serverless");

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every IAM action the functions may hold; osls adds the CloudWatch Logs ones for the log groups. */
const ALLOWED_ACTIONS = new Set([
  "sqs:SendMessage",
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:ChangeMessageVisibility",
  "secretsmanager:GetSecretValue",
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:TagResource",
  "logs:PutLogEvents",
]);
const FUNCTIONS = ["relay", "webhook", "sync", "resync", "sweep", "rollout"];
const QUEUE_ARN = { "Fn::GetAtt": ["TenantQueue", "Arn"] };
// biome-ignore lint/suspicious/noTemplateCurlyInString: the ${...} are for CloudFormation to substitute
const SECRET_ARN = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:";

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe("npm run package (osls, offline, stage ci)", () => {
  let resources: Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const lambda = (name: string) => {
    const found = ofType("AWS::Lambda::Function").find(
      ([, r]) => r.Properties.FunctionName === `tenant-sync-ci-${name}`,
    );
    if (!found) throw new Error(`the template has no function tenant-sync-ci-${name}`);
    return found;
  };

  beforeAll(async () => {
    // esbuild stops at the first missing entry point; say which handler is missing instead.
    const missing = FUNCTIONS.map((name) => `functions/${name}/handler.ts`).filter(
      (file) => !fs.existsSync(path.join(root, file)),
    );
    if (missing.length > 0) {
      throw new Error(`serverless.yml references handlers that do not exist yet: ${missing.join(", ")}`);
    }
    fs.rmSync(output, { recursive: true, force: true });
    // No credentials at all: packaging must not talk to AWS.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_")));
    await promisify(execFile)("npm", ["run", "package"], {
      cwd: root,
      env,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `npm run package failed: ${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`,
      );
    });
    const template = JSON.parse(
      fs.readFileSync(path.join(output, "cloudformation-template-update-stack.json"), "utf8"),
    ) as { Resources: Record<string, Resource> };
    resources = template.Resources;
  }, 300_000);

  it("declares the FIFO queue with its FIFO dead-letter queue after 5 receives", () => {
    const queue = resources.TenantQueue?.Properties as Json;
    expect(queue).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: false });
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": ["TenantDeadLetterQueue", "Arn"] },
      maxReceiveCount: 5,
    });
    expect(resources.TenantDeadLetterQueue?.Properties).toMatchObject({ FifoQueue: true });
    const [, sync] = lambda("sync");
    expect(queue.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * (sync.Properties.Timeout as number));
  });

  it("alarms as soon as the dead-letter queue holds a message", () => {
    const alarms = ofType("AWS::CloudWatch::Alarm").map(([, r]) => r.Properties);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": ["TenantDeadLetterQueue", "QueueName"] } }],
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
      }),
    );
  });

  it("feeds sync from the queue in batches of 10 with partial batch failures", () => {
    const [syncId] = lambda("sync");
    const mappings = ofType("AWS::Lambda::EventSourceMapping").map(([, r]) => r.Properties);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({
      EventSourceArn: QUEUE_ARN,
      FunctionName: { "Fn::GetAtt": [syncId, "Arn"] },
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("runs every function on nodejs24.x with the bundle's templates directory", () => {
    const functions = ofType("AWS::Lambda::Function").map(([, r]) => r.Properties);
    expect(functions.map((f) => f.FunctionName).sort()).toEqual(
      FUNCTIONS.map((n) => `tenant-sync-ci-${n}`).sort(),
    );
    for (const f of functions) {
      expect(f.Runtime, String(f.FunctionName)).toBe("nodejs24.x");
      const variables = (f.Environment as { Variables: Json }).Variables;
      expect(variables).toMatchObject({
        TENANT_SYNC_TEMPLATES_DIR: "/var/task/templates",
        TENANT_SYNC_QUEUE_URL: { Ref: "TenantQueue" },
      });
      expect(variables.TENANT_SYNC_DATABASE_URL).toMatch(/^postgres:\/\//);
    }
  });

  it("schedules relay and rollout steps every minute and sweep every 15 minutes", () => {
    const rules = ofType("AWS::Events::Rule").map(([, r]) => r.Properties);
    const target = (name: string) => ({ "Fn::GetAtt": [lambda(name)[0], "Arn"] });
    expect(rules).toContainEqual(
      expect.objectContaining({
        ScheduleExpression: "rate(1 minute)",
        Targets: [expect.objectContaining({ Arn: target("relay") })],
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        ScheduleExpression: "rate(15 minutes)",
        Targets: [expect.objectContaining({ Arn: target("sweep") })],
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        ScheduleExpression: "rate(1 minute)",
        Targets: [
          expect.objectContaining({ Arn: target("rollout"), Input: JSON.stringify({ action: "step" }) }),
        ],
      }),
    );
    expect(rules).toHaveLength(3);
  });

  it("routes POST /webhook of the HTTP API to the webhook function", () => {
    const routes = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey)).toEqual(["POST /webhook"]);
    const integrations = ofType("AWS::ApiGatewayV2::Integration").map(([, r]) => r.Properties);
    expect(integrations).toEqual([
      expect.objectContaining({ IntegrationUri: { "Fn::GetAtt": [lambda("webhook")[0], "Arn"] } }),
    ]);
  });

  it("grants only allowlisted actions, SQS on the queue only and secrets under the prefix", () => {
    const roles = ofType("AWS::IAM::Role").map(([, r]) => r.Properties);
    expect(roles).toHaveLength(1);
    const role = roles[0] as Json;
    // No VPC in the ci stage, so no managed policy at all.
    expect(role.ManagedPolicyArns).toBeUndefined();
    const statements = (role.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe("Allow");
      const actions = asList(statement.Action);
      for (const action of actions) {
        expect(action).not.toContain("*");
        expect(ALLOWED_ACTIONS.has(action), `action ${action} is not on the allowlist`).toBe(true);
      }
      const resources = asList(statement.Resource);
      const service = actions[0]?.split(":")[0];
      expect(
        actions.every((action) => action.startsWith(`${service}:`)),
        "one service per statement",
      ).toBe(true);
      if (service === "sqs") expect(resources).toEqual([QUEUE_ARN]);
      if (service === "secretsmanager") {
        expect(resources).toEqual([
          { "Fn::Sub": `${SECRET_ARN}tenant-sync/clusters/*` },
          { "Fn::Sub": `${SECRET_ARN}tenant-sync/ci/webhook-??????` },
        ]);
      }
      if (service === "logs") {
        for (const resource of resources) {
          expect(JSON.stringify(resource)).toContain(":log-group:/aws/lambda/tenant-sync-ci");
        }
      }
    }
    const granted = new Set(statements.flatMap((s) => asList(s.Action)));
    expect(granted).toContain("sqs:SendMessage");
    expect(granted).toContain("sqs:ChangeMessageVisibility");
    expect(granted).toContain("secretsmanager:GetSecretValue");
  });

  it("packages each function as an ESM bundle with the SQL migrations and the templates", () => {
    for (const name of FUNCTIONS) {
      const entries = zipEntries(path.join(output, `${name}.zip`));
      expect(entries).toContain(`functions/${name}/handler.mjs`);
      expect(entries).toContain("templates/webapp/templateset.yaml");
      expect(entries).toContain("lib/db/migrations/postgres/001_status.sql");
      expect(entries).toContain("lib/db/migrations/mysql/001_status.sql");
      expect(entries.filter((entry) => entry.startsWith("node_modules/"))).toEqual([]);
    }
  });
});
