import path from "node:path";
import { parseArgs } from "node:util";
import { parseReadySeconds } from "../../infra/stack/simulated-behaviour.ts";

export interface BenchOptions {
  /** Run only the benchmarks whose name contains this (provisioning, slow-readiness, latency, memory, sweep). */
  only: string | undefined;
  sizes: number[];
  engineMax: number;
  kubectlMax: number;
  kubectlParallel: number;
  bareInFlight: number;
  latencyInserts: number;
  sweepTenants: number;
  memoryTenants: number;
  memorySyncTenants: number;
  /** Tenants of the slow-readiness scenario, and the range each Deployment's readiness delay is drawn from. */
  slowTenants: number;
  slowReadySeconds: [number, number];
  /** Set only to shorten the relay's schedule (serverless.yml's by default); the report says so. */
  relayScheduleSeconds: number | undefined;
  slowTimeLimitMinutes: number;
  out: string;
}

const USAGE = `npm run bench -- [provisioning|slow-readiness|latency|memory|sweep] [--quick] [--sizes 1000,10000] [--out DIR]
  --only NAME          the same as the positional: only the benchmarks whose name contains NAME
  --sizes N,N          bulk provisioning sizes (default 1000,10000)
  --quick              small sizes for a check: --sizes 100, 20 inserts, sweep and memory of 200 tenants,
                       slow readiness of 100 tenants ready after 20-80 s (some past one invocation)
  --slow-tenants N     tenants of the slow-readiness scenario (default 1000)
  --slow-ready-seconds L-H  each Deployment ready after L-H s, uniform (default 30-120)
  --relay-schedule-seconds N  run the relay every N s instead of serverless.yml's schedule (printed in the report)
  --slow-time-limit-minutes N  stop waiting for Ready after N minutes (default 15)
  --engine-max N       largest size the engine alone is measured at (default 1000)
  --kubectl-max N      largest size kubectl per tenant is measured at (default 1000)
  --kubectl-parallel N kubectl processes at a time (default 4)
  --bare-in-flight N   applies in flight in the bare SSA loop (default 64)
  --latency-inserts N  single inserts for commit → Ready (default 200)
  --sweep-tenants N    sweep fleet (default: the largest size)
  --memory-tenants N   tenants table of the memory workloads (default: the largest size)
  --out DIR            where bench.json, report.txt, report.md and the SVGs go (default .stack/bench;
                       docs/performance publishes them)`;

const count = (text: string, flag: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag}: expected a positive integer, got ${text}\n${USAGE}`);
  return n;
};

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      quick: { type: "boolean", default: false },
      sizes: { type: "string" },
      "engine-max": { type: "string", default: "1000" },
      "kubectl-max": { type: "string", default: "1000" },
      "kubectl-parallel": { type: "string", default: "4" },
      "bare-in-flight": { type: "string", default: "64" },
      "latency-inserts": { type: "string" },
      "sweep-tenants": { type: "string" },
      "memory-tenants": { type: "string" },
      only: { type: "string" },
      "slow-tenants": { type: "string" },
      "slow-ready-seconds": { type: "string" },
      "relay-schedule-seconds": { type: "string" },
      "slow-time-limit-minutes": { type: "string", default: "15" },
      out: { type: "string", default: path.join(".stack", "bench") },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const sizes = (values.sizes ?? (values.quick ? "100" : "1000,10000"))
    .split(",")
    .map((s) => count(s, "--sizes"));
  const largest = Math.max(...sizes);
  const small = values.quick ? 200 : largest;
  const memoryTenants = values["memory-tenants"]
    ? count(values["memory-tenants"], "--memory-tenants")
    : small;
  const ready = parseReadySeconds(
    values["slow-ready-seconds"] ?? (values.quick ? "20-80" : "30-120"),
    "--slow-ready-seconds",
  );
  return {
    only: values.only ?? positionals[0],
    sizes,
    engineMax: count(values["engine-max"], "--engine-max"),
    kubectlMax: count(values["kubectl-max"], "--kubectl-max"),
    kubectlParallel: count(values["kubectl-parallel"], "--kubectl-parallel"),
    bareInFlight: count(values["bare-in-flight"], "--bare-in-flight"),
    latencyInserts: values["latency-inserts"]
      ? count(values["latency-inserts"], "--latency-inserts")
      : values.quick
        ? 20
        : 200,
    sweepTenants: values["sweep-tenants"] ? count(values["sweep-tenants"], "--sweep-tenants") : small,
    memoryTenants,
    memorySyncTenants: Math.min(memoryTenants, values.quick ? 50 : 500),
    slowTenants: count(values["slow-tenants"] ?? (values.quick ? "100" : "1000"), "--slow-tenants"),
    slowReadySeconds: typeof ready === "number" ? [ready, ready] : ready,
    relayScheduleSeconds: values["relay-schedule-seconds"]
      ? count(values["relay-schedule-seconds"], "--relay-schedule-seconds")
      : undefined,
    slowTimeLimitMinutes: count(values["slow-time-limit-minutes"], "--slow-time-limit-minutes"),
    out: path.resolve(values.out),
  };
}
