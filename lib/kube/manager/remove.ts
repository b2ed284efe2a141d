import { setTimeout as sleep } from "node:timers/promises";
import { describeApiError, isTransient, statusCode } from "../api-errors.ts";
import type { ClusterClient } from "../cluster-client.ts";
import { ANNOTATION_ORPHANED_AT, ANNOTATION_ORPHANED_REASON, OWNERSHIP_LABELS } from "../labels.ts";
import { describeRef, type ObjectRef } from "../object-ref.ts";
import { requestDeadline } from "../request-deadline.ts";
import { ownershipOf } from "./rules.ts";

export type RemoveOutcome =
  | { state: "deleted" | "retained" | "absent" | "not-owned" }
  | { state: "failed"; message: string; transient: boolean };

export interface RemoveOptions {
  deletion: "Delete" | "Retain";
  /** Written on a retained object as why it was orphaned. */
  reason: string;
  /** How long `Delete` waits for the object to go (default 60). */
  waitSeconds?: number;
  /** Epoch ms the invocation must be done by: the wait for the object to go ends there too. */
  deadline?: number;
}

/**
 * Removes one object tenant-sync created, by its deletion policy: `Delete` deletes it and waits until it is
 * gone (so teardown order is real), `Retain` strips our labels and marks it orphaned with the reason. An
 * object that no longer carries this tenant's labels is left alone.
 */
export async function removeObject(
  client: ClusterClient,
  ref: ObjectRef,
  options: RemoveOptions & { tenantKey: string },
): Promise<RemoveOutcome> {
  try {
    let live: Awaited<ReturnType<ClusterClient["get"]>>;
    try {
      live = await client.get(ref);
    } catch (error) {
      if (statusCode(error) === 404) return { state: "absent" };
      throw error;
    }
    if (ownershipOf(live, options.tenantKey).state !== "ours") return { state: "not-owned" };
    if (options.deletion === "Retain") {
      await client.mergePatch(ref, {
        metadata: {
          labels: Object.fromEntries(OWNERSHIP_LABELS.map((label) => [label, null])),
          annotations: {
            [ANNOTATION_ORPHANED_AT]: new Date().toISOString(),
            [ANNOTATION_ORPHANED_REASON]: options.reason,
          },
        },
      });
      return { state: "retained" };
    }
    await client.delete(ref);
    const waitSeconds = options.waitSeconds ?? 60;
    const until = Math.min(
      Date.now() + waitSeconds * 1000,
      options.deadline ?? requestDeadline() ?? Number.POSITIVE_INFINITY,
    );
    for (let delay = 50; Date.now() < until; delay = Math.min(delay * 2, 1000)) {
      await sleep(Math.min(delay, Math.max(0, until - Date.now())));
      if (Date.now() >= until) break;
      try {
        await client.get(ref);
      } catch (error) {
        if (statusCode(error) === 404) return { state: "deleted" };
        throw error;
      }
    }
    const waited =
      options.deadline !== undefined && until === options.deadline
        ? "at the invocation's deadline"
        : `after ${waitSeconds}s`;
    return {
      state: "failed",
      message: `${describeRef(ref)} is still terminating ${waited}`,
      transient: true,
    };
  } catch (error) {
    if (statusCode(error) === 404) return { state: "absent" };
    return {
      state: "failed",
      message: `${client.describe(ref)}: ${describeApiError(error)}`,
      transient: isTransient(error),
    };
  }
}
