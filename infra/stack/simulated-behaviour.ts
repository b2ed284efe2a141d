import { createHash } from "node:crypto";

/** What the stand-in kubelet makes of one workload's rollout. */
export type WorkloadBehaviour = "ready" | "never-ready" | "crash-loop";

export const BEHAVIOURS: readonly WorkloadBehaviour[] = ["ready", "never-ready", "crash-loop"];

/** Per-object pins: a test sets these annotations in its template to fix one object's behaviour. */
export const ANNOTATION_BEHAVIOUR = "sim.tenant-sync.io/behaviour";
export const ANNOTATION_READY_AFTER = "sim.tenant-sync.io/ready-after-seconds";

/** The simulator's behaviour for a whole run; objects without pins draw from it. */
export interface SimulatorBehaviourOptions {
  /** Seconds a rollout takes: a fixed number or [min, max] drawn uniformly per rollout. Default 0 (at once). */
  readySeconds?: number | [number, number];
  /** Share of workloads (0–1) whose rollouts never finish. Default 0. */
  neverReadyShare?: number;
  /** Share of workloads (0–1) whose Pods crash-loop: never available, progress deadline exceeded. Default 0. */
  crashLoopShare?: number;
  /** Seeds every draw, so a run's slow and broken workloads are the same each time. Default 1. */
  seed?: number;
}

export interface RolloutPlan {
  behaviour: WorkloadBehaviour;
  delayMs: number;
}

/**
 * A number in [0, 1) from the seed and the names only, never from the order of watch events, so the same
 * seed picks the same objects and delays in every run.
 */
function draw(seed: number, ...parts: (string | number)[]): number {
  const digest = createHash("sha256")
    .update([seed, ...parts].join("\0"))
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

function parseBehaviour(value: string | undefined, where: string): WorkloadBehaviour | undefined {
  if (value === undefined) return undefined;
  if (!(BEHAVIOURS as readonly string[]).includes(value)) {
    throw new Error(`${where}: behaviour "${value}" is none of ${BEHAVIOURS.join(", ")}`);
  }
  return value as WorkloadBehaviour;
}

/** "30" or "5-120" (seconds) as readySeconds. */
export function parseReadySeconds(value: string, where: string): number | [number, number] {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(value);
  if (!match) throw new Error(`${where}: "${value}" is neither seconds ("30") nor a range ("5-120")`);
  const low = Number(match[1]);
  if (match[2] === undefined) return low;
  const high = Number(match[2]);
  if (high < low) throw new Error(`${where}: range "${value}" ends before it starts`);
  return [low, high];
}

function parseShare(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const share = Number(value);
  if (!(share >= 0 && share <= 1)) throw new Error(`${name}: "${value}" is not a share between 0 and 1`);
  return share;
}

/**
 * The run's behaviour from the environment, for the demo and `npm run dev`: TENANT_SYNC_SIM_READY_SECONDS
 * ("30" or "5-120"), TENANT_SYNC_SIM_NEVER_READY_SHARE and TENANT_SYNC_SIM_CRASHLOOP_SHARE (0–1) and
 * TENANT_SYNC_SIM_SEED. Unset, every workload is ready at once.
 */
export function simulatorOptionsFromEnv(env: NodeJS.ProcessEnv): SimulatorBehaviourOptions {
  const ready = env.TENANT_SYNC_SIM_READY_SECONDS;
  const seed = env.TENANT_SYNC_SIM_SEED;
  if (seed !== undefined && seed !== "" && !Number.isInteger(Number(seed))) {
    throw new Error(`TENANT_SYNC_SIM_SEED: "${seed}" is not an integer`);
  }
  return {
    ...(ready ? { readySeconds: parseReadySeconds(ready, "TENANT_SYNC_SIM_READY_SECONDS") } : {}),
    neverReadyShare: parseShare(env.TENANT_SYNC_SIM_NEVER_READY_SHARE, "TENANT_SYNC_SIM_NEVER_READY_SHARE"),
    crashLoopShare: parseShare(env.TENANT_SYNC_SIM_CRASHLOOP_SHARE, "TENANT_SYNC_SIM_CRASHLOOP_SHARE"),
    ...(seed ? { seed: Number(seed) } : {}),
  };
}

/**
 * How one rollout of one object goes: its annotations first, else the run's shares and delay distribution.
 * `key` names the object (kind/namespace/name); each generation draws its own delay.
 */
export function planRollout(
  options: SimulatorBehaviourOptions,
  key: string,
  generation: number,
  annotations: Record<string, string> = {},
): RolloutPlan {
  const seed = options.seed ?? 1;
  const pinned = parseBehaviour(annotations[ANNOTATION_BEHAVIOUR], `${key} ${ANNOTATION_BEHAVIOUR}`);
  let behaviour: WorkloadBehaviour = "ready";
  if (pinned) behaviour = pinned;
  else {
    const roll = draw(seed, "behaviour", key);
    const neverReady = options.neverReadyShare ?? 0;
    if (roll < neverReady) behaviour = "never-ready";
    else if (roll < neverReady + (options.crashLoopShare ?? 0)) behaviour = "crash-loop";
  }
  const pinnedDelay = annotations[ANNOTATION_READY_AFTER];
  const seconds =
    pinnedDelay !== undefined
      ? parseReadySeconds(pinnedDelay, `${key} ${ANNOTATION_READY_AFTER}`)
      : (options.readySeconds ?? 0);
  const [low, high] = typeof seconds === "number" ? [seconds, seconds] : seconds;
  const delaySeconds = low + (high - low) * draw(seed, "delay", key, generation);
  return { behaviour, delayMs: Math.round(delaySeconds * 1000) };
}
