import type { KubeObject } from "./object-ref.ts";

export type Readiness =
  | { state: "ready" }
  | { state: "waiting"; reason: string }
  /** `transient`: the object could not be read (API server unreachable or failing); worth retrying later. */
  | { state: "failed"; reason: string; transient?: boolean };

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const ready: Readiness = { state: "ready" };
const waiting = (reason: string): Readiness => ({ state: "waiting", reason });

function num(value: unknown, fallback = 0): number {
  return typeof value === "number" ? value : fallback;
}

function conditions(object: KubeObject): Condition[] {
  const status = object.status as { conditions?: Condition[] } | undefined;
  return Array.isArray(status?.conditions) ? status.conditions : [];
}

/** A controller that has not seen the latest spec says nothing about it yet. */
function observedLatest(object: KubeObject): boolean {
  const observed = (object.status as { observedGeneration?: number } | undefined)?.observedGeneration;
  return observed !== undefined && observed >= num(object.metadata.generation, 1);
}

type Check = (
  object: KubeObject,
  status: Record<string, unknown>,
  spec: Record<string, unknown>,
) => Readiness;

// Same rules as `kubectl rollout status` for workloads; phases for namespaces and claims.
const checks: Record<string, Check> = {
  "apps/Deployment": (object, status, spec) => {
    if (!observedLatest(object)) return waiting("controller has not observed the latest generation");
    const desired = num(spec.replicas, 1);
    const progress = conditions(object).find((c) => c.type === "Progressing");
    if (progress?.reason === "ProgressDeadlineExceeded")
      return { state: "failed", reason: "progress deadline exceeded" };
    if (num(status.updatedReplicas) < desired)
      return waiting(`${num(status.updatedReplicas)}/${desired} replicas updated`);
    if (num(status.replicas) > num(status.updatedReplicas))
      return waiting("old replicas are pending termination");
    if (num(status.availableReplicas) < desired)
      return waiting(`${num(status.availableReplicas)}/${desired} replicas available`);
    return ready;
  },
  "apps/StatefulSet": (object, status, spec) => {
    if (!observedLatest(object)) return waiting("controller has not observed the latest generation");
    const desired = num(spec.replicas, 1);
    if (num(status.readyReplicas) < desired)
      return waiting(`${num(status.readyReplicas)}/${desired} replicas ready`);
    if (status.updateRevision !== undefined && status.currentRevision !== status.updateRevision) {
      return waiting("rolling update in progress");
    }
    return ready;
  },
  "apps/DaemonSet": (object, status) => {
    if (!observedLatest(object)) return waiting("controller has not observed the latest generation");
    const desired = num(status.desiredNumberScheduled);
    if (num(status.updatedNumberScheduled) < desired) return waiting("pods are being updated");
    if (num(status.numberAvailable) < desired)
      return waiting(`${num(status.numberAvailable)}/${desired} pods available`);
    return ready;
  },
  "batch/Job": (object) => {
    const all = conditions(object);
    const failed = all.find((c) => c.type === "Failed" && c.status === "True");
    if (failed)
      return { state: "failed", reason: `job failed: ${failed.reason ?? ""} ${failed.message ?? ""}`.trim() };
    return all.some((c) => c.type === "Complete" && c.status === "True")
      ? ready
      : waiting("job has not completed");
  },
  "/Namespace": (_object, status) =>
    status.phase === "Active" ? ready : waiting(`phase ${String(status.phase)}`),
  "/PersistentVolumeClaim": (_object, status) =>
    status.phase === "Bound" ? ready : waiting(`claim is ${String(status.phase ?? "Pending")}`),
  "/Service": (_object, status, spec) => {
    if (spec.type !== "LoadBalancer") return ready;
    const ingress = (status.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress;
    return Array.isArray(ingress) && ingress.length > 0
      ? ready
      : waiting("load balancer has no ingress address");
  },
};

/**
 * Whether readiness can only be known by reading the live object: built-in kinds with a rule, custom
 * resources (they may publish conditions), or a configured condition. Other built-ins are ready on apply.
 */
export function readinessNeedsRead(apiVersion: string, kind: string, condition?: string): boolean {
  if (condition !== undefined) return true;
  const groupName = group(apiVersion);
  if (checks[`${groupName}/${kind}`]) return true;
  return !BUILT_IN_GROUP.test(groupName);
}

// Groups served by kube-apiserver itself: "" (core), apps, batch, *.k8s.io and the like.
const BUILT_IN_GROUP = /^$|^(apps|batch|autoscaling|policy|extensions)$|\.k8s\.io$/;

function group(apiVersion: string): string {
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] as string) : "";
}

/**
 * Whether a live object is ready: per-kind rules for built-in workloads, a `Ready` condition for custom
 * resources that publish one, and ready-on-apply for everything else.
 */
export function readinessOf(object: KubeObject, condition?: string): Readiness {
  if (condition !== undefined) {
    const named = conditions(object).find((c) => c.type === condition);
    if (named?.status === "True") return ready;
    return waiting(
      named
        ? `${condition} is ${named.status}${named.message ? `: ${named.message}` : ""}`
        : `no ${condition} condition yet`,
    );
  }
  const status = (object.status ?? {}) as Record<string, unknown>;
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  const check = checks[`${group(object.apiVersion)}/${object.kind}`];
  if (check) return check(object, status, spec);
  const readyCondition = conditions(object).find((c) => c.type === "Ready");
  if (readyCondition) {
    return readyCondition.status === "True"
      ? ready
      : waiting(
          `Ready is ${readyCondition.status}${readyCondition.message ? `: ${readyCondition.message}` : ""}`,
        );
  }
  return ready;
}
