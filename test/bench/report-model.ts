/** The shape of `bench.json`: everything the printed table, report.md and the charts are made from. */

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  kubernetes: string;
  postgres: string;
  date: string;
}

export const METHODS = ["bare SSA loop", "engine alone", "whole pipeline", "kubectl per tenant"] as const;
export type Method = (typeof METHODS)[number];

/** One way of creating `tenants` tenants' objects from nothing. */
export interface ProvisioningRun {
  method: Method;
  tenants: number;
  objects: number;
  seconds: number;
  tenantsPerSecond: number;
  /** tenants/s as a fraction of the bare SSA loop's at the same size (1 = the physical limit). */
  ofBare: number | null;
  note: string;
}

export interface LatencyResult {
  /** commit → Ready of each single insert, ms, ascending. */
  samplesMs: number[];
  p50: number;
  p99: number;
  max: number;
}

export interface MemoryRun {
  fn: string;
  maxRssMiB: number;
  workload: string;
}

export interface BenchReport {
  machine: Machine;
  /** The options of the run (sizes, in-flight limits), as given. */
  options: Record<string, unknown>;
  provisioning: ProvisioningRun[];
  latency: LatencyResult | null;
  memory: MemoryRun[];
  /** Every figure of every benchmark, by benchmark title (the printed detail). */
  sections: Record<string, Figure[]>;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Fills in `ofBare` from the bare loop's run at the same size. */
export function withRatios(runs: readonly ProvisioningRun[]): ProvisioningRun[] {
  return runs.map((run) => {
    const bare = runs.find((r) => r.method === "bare SSA loop" && r.tenants === run.tenants);
    return { ...run, ofBare: bare ? run.tenantsPerSecond / bare.tenantsPerSecond : null };
  });
}
