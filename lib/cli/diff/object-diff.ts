import type { ClusterClient } from "../../kube/cluster-client.ts";
import type { DiffChange } from "../../kube/manager/change-set.ts";
import { ResourceManager } from "../../kube/manager/resource-manager.ts";
import { type KubeObject, type ObjectRef, refOf } from "../../kube/object-ref.ts";
import type { DeletionPolicy, TemplateResource } from "../../templates/model.ts";
import { comparable } from "./comparable.ts";
import { type FieldChange, fieldDiff } from "./field-diff.ts";

export type DiffStatus = "create" | "change" | "unchanged" | "prune" | "error";

/**
 * Why an object could not be diffed, or would fail to apply. `unavailable` is the only one that is not a
 * problem with the templates or the row: the cluster or database could not answer.
 */
export type ErrorReason = "render" | "row" | "owner" | "conflict" | "invalid" | "unavailable";

export interface ObjectDiff {
  status: DiffStatus;
  templateSet: string;
  /** Null for a problem with the whole set (a selector that cannot be evaluated for this row). */
  resourceId: string | null;
  apiVersion: string | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
  /** For `change`: the fields that differ between the live object and the dry-run result. */
  changes: FieldChange[];
  reason: ErrorReason | null;
  message: string | null;
  /** For `prune`: Delete removes the object, Retain only strips tenant-sync's ownership. */
  deletionPolicy: DeletionPolicy | null;
}

export function objectDiff(
  status: DiffStatus,
  where: { templateSet: string; resourceId: string | null; ref?: ObjectRef },
  details: Partial<Pick<ObjectDiff, "changes" | "reason" | "message" | "deletionPolicy">> = {},
): ObjectDiff {
  return {
    status,
    templateSet: where.templateSet,
    resourceId: where.resourceId,
    apiVersion: where.ref?.apiVersion ?? null,
    kind: where.ref?.kind ?? null,
    namespace: where.ref?.namespace || null,
    name: where.ref?.name ?? null,
    changes: details.changes ?? [],
    reason: details.reason ?? null,
    message: details.message ?? null,
    deletionPolicy: details.deletionPolicy ?? null,
  };
}

/** How a failure is classified: a rejected object is a template problem, an unanswered request is not. */
function reasonOf(change: Extract<DiffChange<unknown>, { message: string }>): ErrorReason {
  if ("foreign" in change) return "owner";
  if (change.action === "conflicted") return "conflict";
  return change.status === 400 || change.status === 422 ? "invalid" : "unavailable";
}

/**
 * What applying one finalized object would do: the resource manager's dry run (the apply's own rules for
 * ownership, creation Once, ignoreFields and conflict Force), compared field by field with the live object.
 * Never throws.
 */
export async function diffObject(
  client: ClusterClient,
  desired: KubeObject,
  resource: TemplateResource,
  tenantKey: string,
  templateSet: string,
): Promise<ObjectDiff> {
  const where = { templateSet, resourceId: resource.id, ref: refOf(desired) };
  const change = await new ResourceManager(client, { tenantKey }).diff(desired, resource, (live, after) => {
    const changes = fieldDiff(comparable(live), comparable(after));
    return changes.length > 0 ? changes : undefined;
  });
  const message = change.message ? { message: change.message } : {};
  switch (change.action) {
    case "created":
      return objectDiff("create", where, message);
    case "configured":
      return objectDiff("change", where, { changes: change.changes });
    case "unchanged":
      return objectDiff("unchanged", where, message);
    default:
      return objectDiff("error", where, { reason: reasonOf(change), ...message });
  }
}
