import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../lib/kube/object-ref.ts";
import { readinessNeedsRead, readinessOf } from "../../lib/kube/readiness.ts";

const object = (apiVersion: string, kind: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: "x", generation: 2 },
  ...extra,
});

describe("readinessOf", () => {
  it("Deployment: waits for the controller to observe the generation and for available replicas", () => {
    const spec = { replicas: 3 };
    expect(readinessOf(object("apps/v1", "Deployment", { spec })).state).toBe("waiting");
    expect(
      readinessOf(
        object("apps/v1", "Deployment", {
          spec,
          status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
        }),
      ).state,
    ).toBe("waiting");
    expect(
      readinessOf(
        object("apps/v1", "Deployment", {
          spec,
          status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
        }),
      ),
    ).toEqual({ state: "waiting", reason: "2/3 replicas available" });
    expect(
      readinessOf(
        object("apps/v1", "Deployment", {
          spec,
          status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
        }),
      ).state,
    ).toBe("ready");
  });

  it("Job: complete is ready, failed is failed", () => {
    const cond = (type: string) => ({
      status: { conditions: [{ type, status: "True", reason: "BackoffLimitExceeded" }] },
    });
    expect(readinessOf(object("batch/v1", "Job", cond("Complete"))).state).toBe("ready");
    expect(readinessOf(object("batch/v1", "Job", cond("Failed"))).state).toBe("failed");
    expect(readinessOf(object("batch/v1", "Job")).state).toBe("waiting");
  });

  it("Namespace, PVC and LoadBalancer Service by phase and address; other Services and ConfigMaps at once", () => {
    expect(readinessOf(object("v1", "Namespace", { status: { phase: "Active" } })).state).toBe("ready");
    expect(readinessOf(object("v1", "Namespace", { status: { phase: "Terminating" } })).state).toBe(
      "waiting",
    );
    expect(readinessOf(object("v1", "PersistentVolumeClaim", { status: { phase: "Pending" } })).state).toBe(
      "waiting",
    );
    expect(readinessOf(object("v1", "PersistentVolumeClaim", { status: { phase: "Bound" } })).state).toBe(
      "ready",
    );
    expect(readinessOf(object("v1", "Service", { spec: { type: "LoadBalancer" } })).state).toBe("waiting");
    expect(
      readinessOf(
        object("v1", "Service", {
          spec: { type: "LoadBalancer" },
          status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } },
        }),
      ).state,
    ).toBe("ready");
    expect(readinessOf(object("v1", "Service", { spec: { type: "ClusterIP" } })).state).toBe("ready");
    expect(readinessOf(object("v1", "ConfigMap")).state).toBe("ready");
  });

  it("custom resources with a Ready condition wait for it; without one they are ready on apply", () => {
    const ready = (status: string) => ({
      status: { conditions: [{ type: "Ready", status, message: "provisioning" }] },
    });
    expect(readinessOf(object("example.com/v1", "Database", ready("False")))).toEqual({
      state: "waiting",
      reason: "Ready is False: provisioning",
    });
    expect(readinessOf(object("example.com/v1", "Database", ready("True"))).state).toBe("ready");
    expect(readinessOf(object("example.com/v1", "Database")).state).toBe("ready");
  });

  it("StatefulSet and DaemonSet follow rollout status rules", () => {
    expect(
      readinessOf(
        object("apps/v1", "StatefulSet", {
          spec: { replicas: 2 },
          status: { observedGeneration: 2, readyReplicas: 2, currentRevision: "a", updateRevision: "b" },
        }),
      ).state,
    ).toBe("waiting");
    expect(
      readinessOf(
        object("apps/v1", "DaemonSet", {
          status: {
            observedGeneration: 2,
            desiredNumberScheduled: 2,
            updatedNumberScheduled: 2,
            numberAvailable: 2,
          },
        }),
      ).state,
    ).toBe("ready");
  });
});

describe("readinessNeedsRead", () => {
  it("reads kinds with a rule, custom resources and configured conditions; not plain built-ins", () => {
    expect(readinessNeedsRead("apps/v1", "Deployment")).toBe(true);
    expect(readinessNeedsRead("v1", "Namespace")).toBe(true);
    expect(readinessNeedsRead("example.com/v1", "Database")).toBe(true);
    expect(readinessNeedsRead("v1", "ConfigMap", "Ready")).toBe(true);
    expect(readinessNeedsRead("v1", "ConfigMap")).toBe(false);
    expect(readinessNeedsRead("networking.k8s.io/v1", "NetworkPolicy")).toBe(false);
    expect(readinessNeedsRead("rbac.authorization.k8s.io/v1", "ClusterRole")).toBe(false);
  });
});
