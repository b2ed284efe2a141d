import { describe, expect, it } from "vitest";
import { CircuitBreaker, ClusterUnavailableError } from "../../lib/clusters/circuit-breaker.ts";
import { withRequestDeadline } from "../../lib/kube/request-deadline.ts";

// Found by the slow-readiness benchmark: a readiness read started just before the invocation's deadline is
// given the time left (cluster-client.ts requestTimeoutMs) and times out at the deadline. That says nothing
// about the cluster (docs/engine.md, "The deadline and the recheck"), yet it opened the breaker, and the next
// batch of the warm instance failed fast and went back to the queue for the whole visibility timeout.
const timeoutAfter = (ms: number) => () =>
  new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
      ms,
    ),
  );

describe("CircuitBreaker and the invocation's deadline", () => {
  it("stays closed when the request timed out because the invocation's deadline came", async () => {
    const breaker = new CircuitBreaker("east");
    const request = withRequestDeadline(Date.now() + 20, () =>
      breaker.run("GET /apis/apps/v1/namespaces/t/deployments/web", timeoutAfter(30)),
    );
    await expect(request).rejects.toMatchObject({ name: "TimeoutError" });
    expect(() => breaker.check()).not.toThrow();
  });

  it("still opens on a timeout long before the deadline", async () => {
    const breaker = new CircuitBreaker("east");
    const request = withRequestDeadline(Date.now() + 60_000, () =>
      breaker.run("GET /apis/apps/v1/namespaces/t/deployments/web", timeoutAfter(1)),
    );
    await expect(request).rejects.toBeInstanceOf(ClusterUnavailableError);
    expect(() => breaker.check()).toThrow(ClusterUnavailableError);
  });
});
