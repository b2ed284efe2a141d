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

/** Provisioning through the whole pipeline while every Deployment takes its time to become ready. */
export interface SlowReadinessRun {
  tenants: number;
  /** Tenants whose webapp set reached Ready before the run's time limit. */
  ready: number;
  /** First commit until the last tenant's Ready (database clock); the time limit if not all made it. */
  seconds: number;
  tenantsPerSecond: number;
  /** Recheck rows written to the outbox (operation 'recheck'). */
  rechecks: number;
  /** Tenants with at least one recheck row: not Ready by the end of their first invocation. */
  rechecked: number;
  /** Kubernetes API requests of the sync instances, by verb. */
  apiRequests: Record<string, number>;
  syncInvocations: number;
  killed: { timeout: number; outOfMemory: number; crashed: number };
  /** Messages in the dead-letter queue at the end. */
  deadLettered: number;
  /** Tenants whose webapp status row was seen Progressing by polling tenant_sync_status. */
  seenProgressing: number;
  /** Rechecked tenants whose status row was never seen Progressing (the goal: none). */
  recheckedUnseen: number;
  settings: {
    readySeconds: [number, number];
    syncTimeoutSeconds: number;
    relayScheduleSeconds: number;
    /** Where the relay's schedule came from: serverless.yml, or the option that shortened it. */
    relayScheduleFrom: string;
    recheckSeconds: [number, number];
    syncInstances: number;
  };
}

export interface BenchReport {
  machine: Machine;
  /** The options of the run (sizes, in-flight limits), as given. */
  options: Record<string, unknown>;
  provisioning: ProvisioningRun[];
  /** Absent from reports older than the slow-readiness scenario. */
  slowReadiness?: SlowReadinessRun | null;
  latency: LatencyResult | null;
  memory: MemoryRun[];
  /** Every figure of every benchmark, by benchmark title (the printed detail). */
  sections: Record<string, Figure[]>;
}

/** A figure as the tables print it: grouped thousands, `digits` decimals, "n/a" for NaN. */
export const num = (value: number, digits = 1) =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";

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
