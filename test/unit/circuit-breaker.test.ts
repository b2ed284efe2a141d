import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { CircuitBreaker, ClusterUnavailableError } from "../../lib/clusters/circuit-breaker.ts";

const timedOut = () =>
  Promise.reject(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
const refused = () =>
  Promise.reject(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }));
const answered = (code: number) => () =>
  Promise.reject(new ApiException(code, "Unsuccessful HTTP Request", {}, {}));

function breaker() {
  const clock = { now: Date.parse("2026-12-01T10:00:00Z") };
  return { clock, breaker: new CircuitBreaker("east", { coolDownMs: 30_000, now: () => clock.now }) };
}

describe("CircuitBreaker", () => {
  it("opens on a timeout, fails every request at once until the cool-down ends, and says until when", async () => {
    const { breaker: b } = breaker();
    await expect(b.run("GET /api/v1", timedOut)).rejects.toThrow(
      "cluster east did not answer (GET /api/v1: timed out; not contacted again until 10:00:30 UTC)",
    );
    let sent = 0;
    const send = async () => ++sent;
    await expect(b.run("GET /api/v1", send)).rejects.toBeInstanceOf(ClusterUnavailableError);
    expect(() => b.check()).toThrow(ClusterUnavailableError);
    expect(sent).toBe(0);
  });

  it("opens on a refused connection and on 502/503/504, never on an answer about the request", async () => {
    for (const fail of [refused, answered(503), answered(504), answered(502)]) {
      const { breaker: b } = breaker();
      await expect(b.run("GET /api/v1", fail)).rejects.toBeInstanceOf(ClusterUnavailableError);
      expect(() => b.check()).toThrow(ClusterUnavailableError);
    }
    for (const code of [400, 403, 404, 409, 422, 429, 500]) {
      const { breaker: b } = breaker();
      await expect(b.run("GET /api/v1", answered(code))).rejects.toBeInstanceOf(ApiException);
      expect(() => b.check()).not.toThrow();
    }
  });

  it("lets one probe through after the cool-down while the others fail fast; its answer closes the breaker", async () => {
    const { clock, breaker: b } = breaker();
    await expect(b.run("GET /api/v1", timedOut)).rejects.toThrow();
    clock.now += 30_000;
    expect(() => b.check()).not.toThrow();
    let answer: (value: string) => void = () => {};
    const probe = b.run("GET /api/v1", () => new Promise<string>((resolve) => (answer = resolve)));
    await expect(b.run("GET /apis/apps/v1", async () => "second")).rejects.toThrow(
      "one request is checking whether it answers again",
    );
    answer("ok");
    await expect(probe).resolves.toBe("ok");
    await expect(b.run("GET /apis/apps/v1", async () => "next")).resolves.toBe("next");
  });

  it("opens again for a whole cool-down when the probe gets no answer either", async () => {
    const { clock, breaker: b } = breaker();
    await expect(b.run("GET /api/v1", timedOut)).rejects.toThrow();
    clock.now += 30_000;
    await expect(b.run("GET /api/v1", refused)).rejects.toThrow(
      "GET /api/v1: ECONNREFUSED; not contacted again until 10:01:00 UTC",
    );
    clock.now += 29_999;
    expect(() => b.check()).toThrow(ClusterUnavailableError);
  });
});
