import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { ClusterClient } from "../../lib/kube/cluster-client.ts";
import { waitReady } from "../../lib/kube/manager/wait.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";

// Only the poll loop's handling of failed reads is under test here; readiness against a real API server is
// covered by test/integration/applier.test.ts, and API server restarts mid-wait by the fault suite.
const namespace = (phase?: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: "tenant-a" },
  ...(phase ? { status: { phase } } : {}),
});
const refused = () =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:16443"), { cause: { code: "ECONNREFUSED" } });
const reads = (...answers: (KubeObject | Error)[]) => {
  let calls = 0;
  const client = {
    async get() {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { client: client as unknown as ClusterClient, calls: () => calls };
};

describe("waitReady when reads fail", () => {
  it("polls through an API server that is briefly unreachable and reports ready", async () => {
    const { client, calls } = reads(refused(), refused(), namespace("Active"));
    expect(await waitReady(client, namespace(), 10)).toEqual({ state: "ready" });
    expect(calls()).toBe(3);
  });

  it("reports a read failure lasting until the deadline as transient, naming the object and the error", async () => {
    const { client } = reads(refused());
    const readiness = await waitReady(client, namespace(), 1);
    expect(readiness).toMatchObject({ state: "failed", transient: true });
    expect(readiness.state === "failed" && readiness.reason).toMatch(/Namespace tenant-a.*ECONNREFUSED/);
  });

  it("gives up at once, transient, when the object is deleted while waiting (a retry re-creates it)", async () => {
    const gone = new ApiException(404, "Not Found", { reason: "NotFound", message: "not found" }, {});
    const { client, calls } = reads(gone);
    const readiness = await waitReady(client, namespace("Terminating"), 30);
    expect(readiness).toMatchObject({ state: "failed", transient: true });
    expect(readiness.state === "failed" && readiness.reason).toMatch(
      /Namespace tenant-a was deleted while waiting/,
    );
    expect(calls()).toBe(1);
  });
});
