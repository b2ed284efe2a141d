import { describeApiError, isTransient, statusCode } from "../api-errors.ts";
import type { ClusterClient } from "../cluster-client.ts";
import { type KubeObject, refOf } from "../object-ref.ts";
import type { ResourcePolicy } from "../policy.ts";
import { changeEntry, type DiffChange } from "./change-set.ts";
import { readIfExists } from "./read.ts";
import { applyBody, applyOptions, ownershipOf, updatesExisting } from "./rules.ts";

/** Tells what differs between the live object and the dry-run result; undefined when nothing does. */
export type Compare<T> = (live: KubeObject, after: KubeObject) => T | undefined;

/**
 * What applying one finalized object would do, found by a server-side dry-run apply by the apply's own
 * rules (ownership, creation Once, ignoreFields, conflict Force), compared with the live object by the
 * caller's `compare`. `live`: the object as the caller listed it; absent, it is read. Never throws.
 * `configured` carries the differences, `conflicted` a field another manager took (409).
 */
export async function diffObject<T>(
  client: ClusterClient,
  desired: KubeObject,
  policy: Pick<ResourcePolicy, "creation" | "conflict" | "ignoreFields">,
  tenantKey: string,
  compare: Compare<T>,
  listed?: KubeObject,
): Promise<DiffChange<T>> {
  const ref = refOf(desired);
  const subject = client.describe(ref);
  const fail = (error: unknown): DiffChange<T> => {
    const status = statusCode(error);
    const apiError = describeApiError(error);
    const entry = changeEntry(subject, "failed", { transient: isTransient(error) });
    const action = status === 409 ? "conflicted" : "failed";
    return { ...entry, action, message: `${subject}: ${apiError}`, apiError, status };
  };
  let live = listed;
  if (!live) {
    try {
      live = await readIfExists(client, desired);
    } catch (error) {
      return fail(error);
    }
  }
  // An orphan of this same tenant is taken back by the apply (lib/kube/orphans.ts), so it is diffed.
  const ownership = live && ownershipOf(live, tenantKey);
  if (ownership && ownership.state === "foreign") {
    const message = `${subject} already exists and ${ownership.owner}; tenant-sync will not modify it`;
    return { ...changeEntry(subject, "failed"), action: "failed", message, foreign: true };
  }
  if (live && !updatesExisting(policy)) {
    const message = "creation: Once, never updated once it exists";
    return { ...changeEntry(subject, "unchanged", { message }), action: "unchanged" };
  }
  let after: KubeObject;
  try {
    after = await client.apply(applyBody(desired, policy, !live), applyOptions(policy, true));
  } catch (error) {
    if (!live && statusCode(error) === 404 && ref.namespace) {
      const message = `not checked by the server: its namespace ${ref.namespace} does not exist yet`;
      return { ...changeEntry(subject, "created", { message }), action: "created" };
    }
    return fail(error);
  }
  if (!live) return { ...changeEntry(subject, "created"), action: "created" };
  const changes = compare(live, after);
  return changes === undefined
    ? { ...changeEntry(subject, "unchanged"), action: "unchanged" }
    : { ...changeEntry(subject, "configured"), action: "configured", changes };
}
