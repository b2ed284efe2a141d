import {
  AppsV1Api,
  BatchV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
import pLimit from "p-limit";
import { managedSelector } from "../../lib/kube/labels.ts";
import {
  ANNOTATION_BEHAVIOUR,
  ANNOTATION_READY_AFTER,
  planRollout,
  type SimulatorBehaviourOptions,
} from "./simulated-behaviour.ts";
import {
  progressDeadlineMs,
  type RolloutStage,
  type SimulatedKind,
  simulatedStatus,
  statusIsReady,
  type WorkloadFacts,
} from "./simulated-status.ts";

export interface WorkloadSimulatorOptions extends SimulatorBehaviourOptions {
  /** Narrows the workloads it plays kubelet for, so one simulator never decides another test's workloads. */
  labelSelector?: string;
}

interface WatchedObject {
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** The rollout the simulator is playing for one object: one generation under one set of pins. */
interface Rollout {
  generation: number;
  pins: string;
  timers: NodeJS.Timeout[];
}

const FOLLOWED: [string, SimulatedKind][] = [
  ["/apis/apps/v1/deployments", "Deployment"],
  ["/apis/apps/v1/statefulsets", "StatefulSet"],
  ["/apis/apps/v1/daemonsets", "DaemonSet"],
  ["/apis/batch/v1/jobs", "Job"],
];

/**
 * Stands in for the kubelet and the workload controllers that the local stack does not run, as envtest users
 * do: it writes the status a rollout of each managed Deployment, StatefulSet, DaemonSet and Job would get.
 * By default every rollout is done at once (the demo, `npm run dev`); a run can make rollouts take a random
 * time, never finish, or crash-loop, and one object's annotations pin its own behaviour
 * (simulated-behaviour.ts). Every spec change is a new rollout: the ready status is withdrawn until it is
 * done. Tests, the demo and benchmarks use it and say so; nothing of it ships.
 */
export class WorkloadSimulator {
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly watch: Watch;
  private readonly limit = pLimit(16);
  private readonly aborts: AbortController[] = [];
  private readonly rollouts = new Map<string, Rollout>();
  private readonly options: SimulatorBehaviourOptions;
  private stopped = false;
  /** Rollouts it has finished (ready status written). */
  marked = 0;

  private readonly selector: string;

  constructor(config: KubeConfig, options: WorkloadSimulatorOptions = {}) {
    this.apps = config.makeApiClient(AppsV1Api);
    this.batch = config.makeApiClient(BatchV1Api);
    this.watch = new Watch(config);
    const { labelSelector, ...behaviour } = options;
    this.options = behaviour;
    this.selector = [managedSelector(), labelSelector].filter(Boolean).join(",");
  }

  async start(): Promise<void> {
    await Promise.all(FOLLOWED.map(([path, kind]) => this.follow(path, kind)));
  }

  stop(): void {
    this.stopped = true;
    for (const abort of this.aborts) abort.abort();
    for (const rollout of this.rollouts.values()) for (const timer of rollout.timers) clearTimeout(timer);
    this.rollouts.clear();
  }

  private async follow(path: string, kind: SimulatedKind): Promise<void> {
    const established = await this.watch.watch(
      path,
      { labelSelector: this.selector },
      (type, object: WatchedObject) => {
        if (type === "ADDED" || type === "MODIFIED") this.observe(kind, object);
        if (type === "DELETED") this.forget(keyOf(kind, object));
      },
      () => {
        // Watches end (timeouts, restarts of the API server): follow again unless stopped.
        if (!this.stopped) setTimeout(() => void this.follow(path, kind).catch(() => {}), 500);
      },
    );
    this.aborts.push(established);
  }

  private forget(key: string): void {
    for (const timer of this.rollouts.get(key)?.timers ?? []) clearTimeout(timer);
    this.rollouts.delete(key);
  }

  /** Starts a rollout when the generation or the pins changed; its own status writes change neither. */
  private observe(kind: SimulatedKind, object: WatchedObject): void {
    if (this.stopped) return;
    const key = keyOf(kind, object);
    const facts: WorkloadFacts = {
      name: object.metadata?.name as string,
      generation: object.metadata?.generation ?? 1,
      spec: object.spec ?? {},
    };
    const annotations = object.metadata?.annotations ?? {};
    const pins = `${annotations[ANNOTATION_BEHAVIOUR] ?? ""}|${annotations[ANNOTATION_READY_AFTER] ?? ""}`;
    const current = this.rollouts.get(key);
    if (current?.generation === facts.generation && current.pins === pins) return;
    this.forget(key);
    const rollout: Rollout = { generation: facts.generation, pins, timers: [] };
    this.rollouts.set(key, rollout);
    // Already done (a restarted simulator, a watch that started again): nothing to play.
    if (!current && statusIsReady(kind, facts, object.status)) return;

    const plan = planRollout(this.options, key, facts.generation, annotations);
    const startedAt = new Date();
    const write = (stage: RolloutStage) => this.write(kind, object, facts, stage, startedAt, rollout);
    const at = (ms: number, stage: RolloutStage) =>
      rollout.timers.push(setTimeout(() => void write(stage), ms));
    if (plan.behaviour === "ready" && plan.delayMs === 0) {
      void write("ready");
      return;
    }
    void write("rolling");
    if (plan.behaviour === "ready") at(plan.delayMs, "ready");
    else if (plan.behaviour === "crash-loop" && kind === "Job") at(plan.delayMs, "deadline");
    else at(plan.delayMs, "stuck");
    const deadline = progressDeadlineMs(kind, facts);
    if (plan.behaviour === "crash-loop" && deadline !== undefined) at(deadline, "deadline");
  }

  private async write(
    kind: SimulatedKind,
    object: WatchedObject,
    facts: WorkloadFacts,
    stage: RolloutStage,
    startedAt: Date,
    rollout: Rollout,
  ): Promise<void> {
    await this.limit(async () => {
      const key = keyOf(kind, object);
      if (this.stopped || this.rollouts.get(key) !== rollout) return;
      const name = facts.name;
      const namespace = object.metadata?.namespace as string;
      const body = { status: simulatedStatus(kind, stage, facts, startedAt) };
      try {
        if (kind === "Deployment")
          await this.apps.patchNamespacedDeploymentStatus({ name, namespace, body }, mergePatch);
        if (kind === "StatefulSet")
          await this.apps.patchNamespacedStatefulSetStatus({ name, namespace, body }, mergePatch);
        if (kind === "DaemonSet")
          await this.apps.patchNamespacedDaemonSetStatus({ name, namespace, body }, mergePatch);
        if (kind === "Job") await this.batch.patchNamespacedJobStatus({ name, namespace, body }, mergePatch);
        if (stage === "ready") this.marked++;
      } catch {
        // Deleted meanwhile, or the API server is away: forgetting the rollout lets the next watch event
        // (the ADDED events of a restarted watch included) play it again.
        if (this.rollouts.get(key) === rollout) this.forget(key);
      }
    });
  }
}

function keyOf(kind: SimulatedKind, object: WatchedObject): string {
  return `${kind}/${object.metadata?.namespace}/${object.metadata?.name}`;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
