/**
 * Runs one function's handler in a process of its own, as one warm Lambda container would, on the workload
 * given as JSON in argv[2], and prints one JSON line: the kernel's high-water mark of the process's RSS
 * (VmHWM, see peak-rss.ts) after start-up and after the workload. The environment is the functions'
 * (TENANT_SYNC_*). It runs bundled with the handler, as Lambda runs it (function-bundle.ts).
 */
import type { APIGatewayProxyEventV2, SQSEvent } from "aws-lambda";
// Resolved by esbuild to one function's handler (function-bundle.ts): each child holds only its own function.
import * as handlerModule from "tenant-sync-bench-handler";
import { lambdaContext } from "../../infra/dev/lambda-context.ts";
import { SIGNATURE_HEADER, signatureHeader } from "../../lib/pipeline/webhook/webhook-signature.ts";
import { peakRss } from "./peak-rss.ts";

export interface FunctionWorkload {
  fn: "relay" | "sync" | "webhook" | "resync" | "rollout" | "sweep";
  /** Events given to the handler one after the other (relay, resync, rollout, sweep). */
  events?: unknown[];
  /** sync: tenants delivered in SQS batches of 10; webhook: one signed INSERT delivery each. */
  tenants?: string[];
  webhookSecret?: string;
}

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

function handlerOf(module: Record<string, unknown>): Handler {
  const factory = Object.values(module).find(
    (value) => typeof value === "function" && value.name.startsWith("create"),
  ) as () => Handler;
  return factory();
}

function sqsEvent(keys: string[]): SQSEvent {
  return {
    Records: keys.map((tenant, i) => ({
      messageId: `${tenant}-${i}`,
      receiptHandle: "local",
      body: JSON.stringify({ tenant, reason: "insert", at: new Date().toISOString() }),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(Date.now()),
        SenderId: "local",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        MessageGroupId: tenant,
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:bench.fifo",
      awsRegion: "us-east-1",
    })),
  };
}

function webhookEvent(tenant: string, secret: string): APIGatewayProxyEventV2 {
  const body = JSON.stringify({
    type: "INSERT",
    table: "tenants",
    schema: "public",
    record: { id: tenant },
    old_record: null,
  });
  const signature = signatureHeader([secret], Math.floor(Date.now() / 1000), body);
  return {
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

function* eventsOf(workload: FunctionWorkload): Generator<unknown> {
  yield* workload.events ?? [];
  const tenants = workload.tenants ?? [];
  if (workload.fn === "sync") {
    for (let i = 0; i < tenants.length; i += 10) yield sqsEvent(tenants.slice(i, i + 10));
  }
  if (workload.fn === "webhook") {
    for (const tenant of tenants) yield webhookEvent(tenant, workload.webhookSecret ?? "");
  }
}

const workload = JSON.parse(process.argv[2] ?? "{}") as FunctionWorkload;
const handler = handlerOf(handlerModule);
const startupMaxRss = peakRss();
let invocations = 0;
let failures = 0;
for (const event of eventsOf(workload)) {
  const result = (await handler(event, lambdaContext(workload.fn, 900_000))) as {
    batchItemFailures?: unknown[];
    statusCode?: number;
  } | null;
  invocations++;
  if ((result?.batchItemFailures?.length ?? 0) > 0 || (result?.statusCode ?? 200) >= 300) failures++;
}
console.log(
  JSON.stringify({
    fn: workload.fn,
    invocations,
    failures,
    startupMaxRss,
    maxRss: peakRss(),
  }),
);
// The handlers keep their pools open as a warm container does.
process.exit(0);
