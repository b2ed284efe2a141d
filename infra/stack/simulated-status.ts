/**
 * The status the workload controllers of a real cluster write, per kind and per stage of a rollout, as
 * merge patches of the status subresource (null removes a field).
 */
export type SimulatedKind = "Deployment" | "StatefulSet" | "DaemonSet" | "Job";

/**
 * `rolling`: the controller saw the new spec, the new Pods are not ready yet (the old ready status is
 * withdrawn); `ready`: the rollout is done; `stuck`: the Pods run but never pass their readiness (never-ready
 * and crash-loop alike); `deadline`: as `stuck`, and the deployment controller has given up on the rollout.
 */
export type RolloutStage = "rolling" | "ready" | "stuck" | "deadline";

export interface WorkloadFacts {
  name: string;
  generation: number;
  spec: Record<string, unknown>;
}

type Status = Record<string, unknown>;

/** metav1.Time is RFC 3339 to the second; the API server rejects a Job's times with milliseconds. */
const kubeTime = (at = new Date()) => at.toISOString().replace(/\.\d+Z$/, "Z");

function condition(type: string, status: "True" | "False", reason: string, message: string) {
  return { type, status, reason, message, lastTransitionTime: kubeTime() };
}

/** Deployment conditions also carry lastUpdateTime (Job conditions have no such field). */
function deploymentCondition(...args: Parameters<typeof condition>) {
  return { ...condition(...args), lastUpdateTime: kubeTime() };
}

function deployment(stage: RolloutStage, facts: WorkloadFacts, replicas: number): Status {
  const replicaSet = `ReplicaSet "${facts.name}-${facts.generation}"`;
  if (stage === "ready") {
    return {
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      unavailableReplicas: null,
      conditions: [
        deploymentCondition(
          "Available",
          "True",
          "MinimumReplicasAvailable",
          "Deployment has minimum availability.",
        ),
        deploymentCondition(
          "Progressing",
          "True",
          "NewReplicaSetAvailable",
          `${replicaSet} has successfully progressed.`,
        ),
      ],
    };
  }
  const progressing =
    stage === "deadline"
      ? deploymentCondition(
          "Progressing",
          "False",
          "ProgressDeadlineExceeded",
          `${replicaSet} has timed out progressing.`,
        )
      : deploymentCondition("Progressing", "True", "ReplicaSetUpdated", `${replicaSet} is progressing.`);
  return {
    replicas,
    // While rolling, no Pod of the new ReplicaSet exists yet; stuck, they exist and never become ready.
    updatedReplicas: stage === "rolling" ? 0 : replicas,
    readyReplicas: 0,
    availableReplicas: 0,
    unavailableReplicas: replicas,
    conditions: [
      deploymentCondition(
        "Available",
        "False",
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
      ),
      progressing,
    ],
  };
}

function statefulSet(stage: RolloutStage, facts: WorkloadFacts, replicas: number): Status {
  const done = stage === "ready";
  return {
    replicas,
    readyReplicas: done ? replicas : 0,
    availableReplicas: done ? replicas : 0,
    currentReplicas: done ? replicas : 0,
    updatedReplicas: stage === "rolling" ? 0 : replicas,
    currentRevision: `${facts.name}-${done ? facts.generation : Math.max(0, facts.generation - 1)}`,
    updateRevision: `${facts.name}-${facts.generation}`,
  };
}

/** One node is imagined, so a DaemonSet wants one Pod. */
function daemonSet(stage: RolloutStage): Status {
  const done = stage === "ready" ? 1 : 0;
  return {
    desiredNumberScheduled: 1,
    currentNumberScheduled: 1,
    numberMisscheduled: 0,
    updatedNumberScheduled: stage === "rolling" ? 0 : 1,
    numberReady: done,
    numberAvailable: done,
    numberUnavailable: 1 - done,
  };
}

function job(stage: RolloutStage, facts: WorkloadFacts, startTime: string): Status {
  const now = kubeTime();
  const completions = typeof facts.spec.completions === "number" ? facts.spec.completions : 1;
  if (stage === "ready") {
    return {
      startTime,
      completionTime: now,
      active: 0,
      succeeded: completions,
      conditions: [
        condition(
          "SuccessCriteriaMet",
          "True",
          "CompletionsReached",
          "Reached expected number of succeeded pods",
        ),
        condition("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
      ],
    };
  }
  if (stage === "deadline") {
    const backoffLimit = typeof facts.spec.backoffLimit === "number" ? facts.spec.backoffLimit : 6;
    const message = "Job has reached the specified backoff limit";
    return {
      startTime,
      active: 0,
      failed: backoffLimit + 1,
      conditions: [
        condition("FailureTarget", "True", "BackoffLimitExceeded", message),
        condition("Failed", "True", "BackoffLimitExceeded", message),
      ],
    };
  }
  return { startTime, active: 1 };
}

/** The status patch for `kind` at `stage`; observedGeneration is the generation being rolled out. */
export function simulatedStatus(
  kind: SimulatedKind,
  stage: RolloutStage,
  facts: WorkloadFacts,
  rolloutStartedAt: Date,
): Status {
  const replicas = typeof facts.spec.replicas === "number" ? facts.spec.replicas : 1;
  switch (kind) {
    case "Deployment":
      return { observedGeneration: facts.generation, ...deployment(stage, facts, replicas) };
    case "StatefulSet":
      return { observedGeneration: facts.generation, ...statefulSet(stage, facts, replicas) };
    case "DaemonSet":
      return { observedGeneration: facts.generation, ...daemonSet(stage) };
    case "Job":
      return job(stage, facts, kubeTime(rolloutStartedAt));
  }
}

/** Whether a live status already says the rollout of the current generation is done. */
export function statusIsReady(
  kind: SimulatedKind,
  facts: WorkloadFacts,
  status: Status | undefined,
): boolean {
  if (!status) return false;
  const replicas = typeof facts.spec.replicas === "number" ? facts.spec.replicas : 1;
  const observed = status.observedGeneration === facts.generation;
  switch (kind) {
    case "Deployment":
      return observed && status.availableReplicas === replicas && status.updatedReplicas === replicas;
    case "StatefulSet":
      return (
        observed && status.readyReplicas === replicas && status.currentRevision === status.updateRevision
      );
    case "DaemonSet":
      return observed && status.numberAvailable === status.desiredNumberScheduled;
    case "Job":
      return typeof status.completionTime === "string";
  }
}

/**
 * How long the deployment controller lets a rollout try before it writes ProgressDeadlineExceeded; other
 * kinds have no such deadline (a crash-looping Job fails when its back-off is spent, after its delay).
 */
export function progressDeadlineMs(kind: SimulatedKind, facts: WorkloadFacts): number | undefined {
  if (kind !== "Deployment") return undefined;
  const seconds = facts.spec.progressDeadlineSeconds;
  return (typeof seconds === "number" ? seconds : 600) * 1000;
}
