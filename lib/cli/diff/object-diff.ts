import { describeApiError, statusCode } from "../../kube/api-errors.ts";
import type { ClusterClient } from "../../kube/cluster-client.ts";
import { withoutPaths } from "../../kube/field-paths.ts";
import {
  isOrphanOf,
  isOwnedBy,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  MANAGED_BY_VALUE,
} from "../../kube/labels.ts";
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

/** How an API error is classified: a rejected object is a template problem, anything else is not. */
function reasonOf(error: unknown): ErrorReason {
  const code = statusCode(error);
  if (code === 409) return "conflict";
  return code === 400 || code === 422 ? "invalid" : "unavailable";
}

/**
 * What applying one finalized object would do, found by a server-side dry-run apply with the engine's
 * policies (creation Once, ignoreFields, conflict Force), compared with the live object. Never throws.
 */
export async function diffObject(
  client: ClusterClient,
  desired: KubeObject,
  resource: TemplateResource,
  tenantKey: string,
  templateSet: string,
): Promise<ObjectDiff> {
  const ref = refOf(desired);
  const where = { templateSet, resourceId: resource.id, ref };
  const fail = (error: unknown) =>
    objectDiff("error", where, {
      reason: reasonOf(error),
      message: `${client.describe(ref)}: ${describeApiError(error)}`,
    });
  let live: KubeObject | undefined;
  try {
    live = await client.get(ref);
  } catch (error) {
    if (statusCode(error) !== 404) return fail(error);
  }
  // An orphan of this same tenant is taken back by the engine (lib/kube/orphans.ts), so it is diffed.
  if (live && !isOwnedBy(live.metadata, tenantKey) && !isOrphanOf(live.metadata, tenantKey)) {
    const labels = live.metadata.labels ?? {};
    const owner =
      labels[LABEL_MANAGED_BY] === MANAGED_BY_VALUE
        ? `belongs to tenant label ${labels[LABEL_TENANT] ?? "(none)"}`
        : "does not carry the tenant-sync labels";
    return objectDiff("error", where, {
      reason: "owner",
      message: `${client.describe(ref)} already exists and ${owner}; tenant-sync will not modify it`,
    });
  }
  if (live && resource.creation === "Once") {
    return objectDiff("unchanged", where, { message: "creation: Once, never updated once it exists" });
  }
  // As the engine: an object is created whole, later applies leave out the fields another controller owns.
  const body = live ? withoutPaths(desired, resource.ignoreFields) : desired;
  let result: KubeObject;
  try {
    result = await client.apply(body, { dryRun: true, force: resource.conflict === "Force" });
  } catch (error) {
    if (!live && statusCode(error) === 404 && ref.namespace) {
      return objectDiff("create", where, {
        message: `not checked by the server: its namespace ${ref.namespace} does not exist yet`,
      });
    }
    return fail(error);
  }
  if (!live) return objectDiff("create", where);
  const changes = fieldDiff(comparable(live), comparable(result));
  return objectDiff(changes.length > 0 ? "change" : "unchanged", where, { changes });
}
