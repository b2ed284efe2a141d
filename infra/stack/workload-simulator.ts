import {
  AppsV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1StatefulSet,
  Watch,
} from "@kubernetes/client-node";
import pLimit from "p-limit";
import { managedSelector } from "../../lib/kube/labels.ts";

/**
 * Stands in for the kubelet and the workload controllers that the local stack does not run: whenever a
 * managed Deployment or StatefulSet is not reported ready, it writes the status a healthy rollout would
 * have, as envtest users do. Tests, the demo and benchmarks use it and say so; nothing of it ships.
 */
export class WorkloadSimulator {
  private readonly apps: AppsV1Api;
  private readonly watch: Watch;
  private readonly limit = pLimit(16);
  private readonly aborts: AbortController[] = [];
  private stopped = false;
  marked = 0;

  private readonly selector: string;

  /** `labelSelector` narrows it further, so one simulator never makes another test's workloads ready. */
  constructor(config: KubeConfig, options: { labelSelector?: string } = {}) {
    this.apps = config.makeApiClient(AppsV1Api);
    this.watch = new Watch(config);
    this.selector = [managedSelector(), options.labelSelector].filter(Boolean).join(",");
  }

  async start(): Promise<void> {
    await Promise.all([
      this.follow("/apis/apps/v1/deployments", "Deployment"),
      this.follow("/apis/apps/v1/statefulsets", "StatefulSet"),
    ]);
  }

  stop(): void {
    this.stopped = true;
    for (const abort of this.aborts) abort.abort();
  }

  private async follow(path: string, kind: "Deployment" | "StatefulSet"): Promise<void> {
    const established = await this.watch.watch(
      path,
      { labelSelector: this.selector },
      (type, object: V1Deployment | V1StatefulSet) => {
        if (type === "ADDED" || type === "MODIFIED") void this.limit(() => this.markReady(kind, object));
      },
      () => {
        // Watches end (timeouts, restarts of the API server): follow again unless stopped.
        if (!this.stopped) setTimeout(() => void this.follow(path, kind).catch(() => {}), 500);
      },
    );
    this.aborts.push(established);
  }

  private async markReady(
    kind: "Deployment" | "StatefulSet",
    object: V1Deployment | V1StatefulSet,
  ): Promise<void> {
    const generation = object.metadata?.generation ?? 1;
    const replicas = object.spec?.replicas ?? 1;
    const status = object.status;
    if (status?.observedGeneration === generation && (status.readyReplicas ?? 0) >= replicas) return;
    const name = object.metadata?.name as string;
    const namespace = object.metadata?.namespace as string;
    const body = {
      status: {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        ...(kind === "StatefulSet"
          ? { currentReplicas: replicas, currentRevision: "simulated", updateRevision: "simulated" }
          : {}),
      },
    };
    try {
      if (kind === "StatefulSet") {
        await this.apps.patchNamespacedStatefulSetStatus({ name, namespace, body }, mergePatch);
      } else {
        await this.apps.patchNamespacedDeploymentStatus({ name, namespace, body }, mergePatch);
      }
      this.marked++;
    } catch {
      // Deleted meanwhile, or changed again: the next watch event brings it back.
    }
  }
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
