import path from "node:path";
import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Run only the benchmarks whose name contains this (provisioning, latency, memory, sweep). */
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
  out: string;
}

const USAGE = `npm run bench -- [provisioning|latency|memory|sweep] [--quick] [--sizes 1000,10000] [--out DIR]
  --sizes N,N          bulk provisioning sizes (default 1000,10000)
  --quick              small sizes for a check: --sizes 100, 20 inserts, sweep and memory of 200 tenants
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
  return {
    only: positionals[0],
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
    out: path.resolve(values.out),
  };
}
