import { CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANNOTATION_BEHAVIOUR, ANNOTATION_READY_AFTER } from "../../infra/stack/simulated-behaviour.ts";
import { WorkloadSimulator } from "../../infra/stack/workload-simulator.ts";
import { LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY_VALUE } from "../../lib/kube/labels.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";
import { type Readiness, readinessOf } from "../../lib/kube/readiness.ts";
import { adminKubeConfig, eventually, uniqueName } from "../support/stack.ts";

// The stand-in kubelet under pins: each object's annotations fix its behaviour, and the product's own
// readiness rules (lib/kube/readiness.ts) judge the status it writes, read back from the API server.
const admin = adminKubeConfig();
const core = admin.makeApiClient(CoreV1Api);
const objects = KubernetesObjectApi.makeApiClient(admin);
const run = uniqueName("simh");
const namespace = run;
const labels = { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_TENANT]: run };
const podTemplate = (note: string) => ({
  metadata: { labels: { app: "sim" }, annotations: { note } },
  spec: { containers: [{ name: "app", image: "registry.invalid/app:1" }], restartPolicy: "Always" },
});

function workload(kind: string, name: string, annotations: Record<string, string>, extra = {}): KubeObject {
  const apiVersion = kind === "Job" ? "batch/v1" : "apps/v1";
  const template = podTemplate("v1");
  const spec =
    kind === "Job"
      ? { backoffLimit: 1, template: { ...template, spec: { ...template.spec, restartPolicy: "Never" } } }
      : {
          selector: { matchLabels: { app: "sim" } },
          template,
          ...(kind === "DaemonSet" ? {} : { replicas: 2 }),
          ...(kind === "StatefulSet" ? { serviceName: name } : {}),
        };
  return {
    apiVersion,
    kind,
    metadata: { name, namespace, labels, annotations },
    spec: { ...spec, ...extra },
  } as KubeObject;
}

async function create(object: KubeObject): Promise<KubeObject> {
  await objects.create(object as never);
  return object;
}

async function readiness(object: KubeObject): Promise<Readiness & { live: KubeObject }> {
  const live = (await objects.read(object as never)) as unknown as KubeObject;
  return { ...readinessOf(live), live };
}

/** Whether the stand-in has written any status yet (before that, "waiting" says nothing about it). */
function written(live: KubeObject): boolean {
  const status = (live.status ?? {}) as Record<string, unknown>;
  return status.observedGeneration !== undefined || status.startTime !== undefined;
}

/**
 * Every readiness state the object went through, once the stand-in wrote its first status, until `until`
 * held, in order, without repeats.
 */
async function follow(object: KubeObject, until: (r: Readiness) => boolean, timeoutMs = 30_000) {
  const seen: string[] = [];
  await eventually(
    `${object.kind}/${object.metadata.name}`,
    async () => {
      const r = await readiness(object);
      if (!written(r.live)) return undefined;
      if (seen.at(-1) !== r.state) seen.push(r.state);
      return until(r) ? r : undefined;
    },
    timeoutMs,
  );
  return seen;
}

describe("the workload simulator plays a slow, imperfect cluster (pinned per object)", () => {
  let simulator: WorkloadSimulator;

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    simulator = new WorkloadSimulator(admin, { labelSelector: `${LABEL_TENANT}=${run}`, seed: 7 });
    await simulator.start();
  });

  afterAll(async () => {
    simulator?.stop();
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  });

  it("a Deployment pinned to 2 s is first observed not ready, then ready", async () => {
    const deployment = await create(workload("Deployment", "slow", { [ANNOTATION_READY_AFTER]: "2" }));
    expect(await follow(deployment, (r) => r.state === "ready")).toEqual(["waiting", "ready"]);
  });

  it("a spec change is a new rollout: the ready status is withdrawn until it is done", async () => {
    const deployment = await create(workload("Deployment", "rollout", { [ANNOTATION_READY_AFTER]: "2" }));
    await follow(deployment, (r) => r.state === "ready");
    await objects.patch(
      { ...deployment, spec: { template: podTemplate("v2") } } as never,
      undefined,
      undefined,
      "simulator-test",
      undefined,
      "application/merge-patch+json" as never,
    );
    const withdrawn = await eventually("the rollout of generation 2 under way", async () => {
      const r = await readiness(deployment);
      const status = r.live.status as Record<string, number>;
      return status.observedGeneration === 2 && r.state !== "ready" ? { r, status } : undefined;
    });
    // Zero counts are omitted from a Deployment's status (omitempty).
    expect(withdrawn.status.updatedReplicas ?? 0).toBe(0);
    expect(withdrawn.status.availableReplicas ?? 0).toBe(0);
    const seen = await follow(deployment, (r) => r.state === "ready");
    expect(seen.at(-1)).toBe("ready");
    expect(
      ((await readiness(deployment)).live.status as { observedGeneration: number }).observedGeneration,
    ).toBe(2);
  });

  it("a never-ready Deployment gets its Pods but none ever becomes available; unpinned, it recovers", async () => {
    const deployment = await create(
      workload("Deployment", "never", {
        [ANNOTATION_BEHAVIOUR]: "never-ready",
        [ANNOTATION_READY_AFTER]: "1",
      }),
    );
    const stuck = await eventually("the Pods up but not ready", async () => {
      const r = await readiness(deployment);
      return (r.live.status as { updatedReplicas?: number } | undefined)?.updatedReplicas === 2
        ? r
        : undefined;
    });
    expect(stuck.state).toBe("waiting");
    expect(stuck).toMatchObject({ reason: "0/2 replicas available" });

    await objects.patch(
      {
        ...deployment,
        metadata: { ...deployment.metadata, annotations: { [ANNOTATION_BEHAVIOUR]: "ready" } },
      } as never,
      undefined,
      undefined,
      "simulator-test",
      undefined,
      "application/merge-patch+json" as never,
    );
    await follow(deployment, (r) => r.state === "ready");
  });

  it("a crash-looping Deployment is never available and ends with ProgressDeadlineExceeded", async () => {
    const deployment = await create(
      workload(
        "Deployment",
        "crash",
        { [ANNOTATION_BEHAVIOUR]: "crash-loop" },
        { progressDeadlineSeconds: 3 },
      ),
    );
    const seen = await follow(deployment, (r) => r.state === "failed");
    expect(seen).toEqual(["waiting", "failed"]);
    const { live, ...verdict } = await readiness(deployment);
    expect(verdict).toEqual({ state: "failed", reason: "progress deadline exceeded" });
    const progressing = (live.status as { conditions: { type: string; reason: string }[] }).conditions.find(
      (c) => c.type === "Progressing",
    );
    expect(progressing?.reason).toBe("ProgressDeadlineExceeded");
  });

  it("StatefulSets, DaemonSets and Jobs take their delay too; a crash-looping Job fails", async () => {
    const slow = { [ANNOTATION_READY_AFTER]: "1" };
    for (const kind of ["StatefulSet", "DaemonSet", "Job"]) {
      const object = await create(workload(kind, `slow-${kind.toLowerCase()}`, slow));
      expect(await follow(object, (r) => r.state === "ready"), kind).toEqual(["waiting", "ready"]);
    }
    const job = await create(
      workload("Job", "crash-job", { [ANNOTATION_READY_AFTER]: "3", [ANNOTATION_BEHAVIOUR]: "crash-loop" }),
    );
    expect(await follow(job, (r) => r.state === "failed")).toEqual(["waiting", "failed"]);
  });

  it("unpinned and without options, a workload is ready at once, as before", async () => {
    const deployment = await create(workload("Deployment", "fast", {}));
    await follow(deployment, (r) => r.state === "ready", 10_000);
  });
});
