import { setTimeout as sleep } from "node:timers/promises";
import { describeApiError, isTransient, statusCode } from "../api-errors.ts";
import type { ClusterClient } from "../cluster-client.ts";
import { describeRef, type KubeObject, refOf } from "../object-ref.ts";
import { type Readiness, readinessOf } from "../readiness.ts";
import { requestDeadline } from "../request-deadline.ts";

/** When the readiness clock started, and when the wait must end whatever the readiness says. */
export interface WaitBounds {
  /**
   * Epoch ms the readiness timeout counts from: when this content of the object was applied, in this or an
   * earlier invocation (default now). A timeout measured across invocations cannot restart with each recheck.
   */
  since?: number;
  /** Epoch ms the caller must be done by (the invocation's deadline): the wait ends there, still `waiting`. */
  deadline?: number;
}

/**
 * Polls an object until it is ready, has failed, or the timeout passes. Polling (100 ms growing to 2 s)
 * rather than a watch keeps one code path for every kind, and costs a handful of reads per resource.
 * A read that fails transiently (API server restarting, 5xx, 429) is polled through until the deadline,
 * and a deadline reached that way is reported as transient so the tenant is retried, not left Failed.
 * With a `deadline` before the timeout, the wait stops there and answers `waiting`: the caller records the
 * object as progressing and comes back later, when the timeout still counts from `since`.
 */
export async function waitReady(
  client: ClusterClient,
  live: KubeObject,
  timeoutSeconds: number,
  condition?: string,
  bounds: WaitBounds = {},
): Promise<Readiness> {
  const timeoutAt = (bounds.since ?? Date.now()) + timeoutSeconds * 1000;
  // The caller's deadline, else the one of the reconcile or sweep this wait runs in (request-deadline.ts).
  const deadline = bounds.deadline ?? requestDeadline();
  const stopAt = Math.min(timeoutAt, deadline ?? Number.POSITIVE_INFINITY);
  let current = live;
  let delay = 100;
  let readError: unknown;
  for (;;) {
    const readiness = readinessOf(current, condition);
    if (readiness.state !== "waiting") return readiness;
    if (Date.now() >= stopAt) {
      if (stopAt < timeoutAt) {
        // The invocation ends first: still waiting, and a read failing now is read again by the recheck.
        if (readError === undefined) return readiness;
        return { state: "waiting", reason: `reading it failed: ${describeApiError(readError)}` };
      }
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
    await sleep(Math.min(delay, Math.max(0, stopAt - Date.now())));
    // A read at the invocation's deadline would be cut short at once (cluster-client.ts): report what is known.
    if (deadline !== undefined && Date.now() >= deadline) continue;
    delay = Math.min(delay * 2, 2000);
    try {
      current = await client.get(refOf(live));
      readError = undefined;
    } catch (error) {
      if (isTransient(error)) {
        // A read the invocation's deadline cut short (cluster-client.ts) says nothing about the API server.
        if (deadline === undefined || Date.now() < deadline) readError = error;
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
