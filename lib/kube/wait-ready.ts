import { setTimeout as sleep } from "node:timers/promises";
import { describeApiError, isTransient, statusCode } from "./api-errors.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { describeRef, type KubeObject, refOf } from "./object-ref.ts";
import { type Readiness, readinessOf } from "./readiness.ts";

/**
 * Polls an object until it is ready, has failed, or the timeout passes. Polling (100 ms growing to 2 s)
 * rather than a watch keeps one code path for every kind, and costs a handful of reads per resource.
 * A read that fails transiently (API server restarting, 5xx, 429) is polled through until the deadline,
 * and a deadline reached that way is reported as transient so the tenant is retried, not left Failed.
 */
export async function waitReady(
  client: ClusterClient,
  live: KubeObject,
  timeoutSeconds: number,
  condition?: string,
): Promise<Readiness> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let current = live;
  let delay = 100;
  let readError: unknown;
  for (;;) {
    const readiness = readinessOf(current, condition);
    if (readiness.state !== "waiting") return readiness;
    if (Date.now() >= deadline) {
      if (readError !== undefined) {
        return {
          state: "failed",
          transient: true,
          reason: `reading ${describeRef(refOf(live))} failed until the ${timeoutSeconds}s readiness timeout: ${describeApiError(readError)}`,
        };
      }
      return {
        state: "failed",
        reason: `${describeRef(refOf(live))} not ready after ${timeoutSeconds}s: ${readiness.reason}`,
      };
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, 2000);
    try {
      current = await client.get(refOf(live));
      readError = undefined;
    } catch (error) {
      if (isTransient(error)) {
        readError = error;
        continue;
      }
      if (statusCode(error) === 404) {
        // Deleted under us, e.g. a Namespace that was still terminating from an earlier teardown when it was
        // applied: a retry re-creates it.
        return {
          state: "failed",
          transient: true,
          reason: `${describeRef(refOf(live))} was deleted while waiting for it to become ready`,
        };
      }
      return {
        state: "failed",
        reason: `reading ${describeRef(refOf(live))} failed: ${describeApiError(error)}`,
      };
    }
  }
}
