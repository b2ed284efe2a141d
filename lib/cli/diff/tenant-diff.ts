import pLimit from "p-limit";
import type { ClusterRegistry } from "../../clusters/cluster-registry.ts";
import { type InventoryEntry, readInventory } from "../../db/inventory-store.ts";
import type { Queryable } from "../../db/queryable.ts";
import { type TenantRecord, TenantRowError, type TenantSource } from "../../db/source.ts";
import { refOfEntry, sameObject } from "../../engine/apply-set.ts";
import { finalizeRendered } from "../../engine/desired.ts";
import { TenantSyncError } from "../../errors.ts";
import { describeApiError, isTransient } from "../../kube/api-errors.ts";
import type { ClusterClient } from "../../kube/cluster-client.ts";
import type { ObjectRef } from "../../kube/object-ref.ts";
import type { TemplateSet } from "../../templates/model.ts";
import { renderTenant } from "../../templates/render.ts";
import { selects } from "../../templates/selector.ts";
import { diffObject, type ErrorReason, type ObjectDiff, objectDiff } from "./object-diff.ts";

export interface DiffDeps {
  db: Queryable;
  source: TenantSource;
  sets: readonly TemplateSet[];
  clusters: ClusterRegistry;
  /** Objects of one tenant diffed at once. */
  concurrency: number;
}

export interface TenantDiff {
  tenant: string;
  /** The cluster the row names (null when there is no readable row). */
  cluster: string | null;
  /** What a reconcile would do: apply the templates, tear everything down, or nothing (unreadable row). */
  action: "apply" | "teardown" | "invalid";
  /** The tenant has a row in the source table. */
  rowFound: boolean;
  /** A failure that stopped the whole tenant from being diffed (its row, its cluster). */
  error: { reason: ErrorReason; message: string } | null;
  objects: ObjectDiff[];
}

/** Where each rendered resource goes; null when it failed before it had a name (it is not pruned then). */
type Refs = Map<string, ObjectRef | null>;

/**
 * What a reconcile of this tenant would change, without changing anything: every rendered object is
 * dry-run applied against the live cluster, and inventory entries no longer rendered are listed as prunes.
 * `setName` narrows it to one template set. Never throws for the cluster's or the templates' problems.
 */
export async function diffTenant(
  deps: DiffDeps,
  tenantKey: string,
  options: { setName?: string; record?: TenantRecord } = {},
): Promise<TenantDiff> {
  let record = options.record;
  if (!record) {
    try {
      record = await deps.source.readTenant(tenantKey);
    } catch (error) {
      if (!(error instanceof TenantRowError)) throw error;
      return invalidTenantDiff(tenantKey, error.message);
    }
  }
  const inSet = (name: string) => options.setName === undefined || name === options.setName;
  const inventory = (await readInventory(deps.db, tenantKey)).filter((entry) => inSet(entry.templateSet));
  const base = { tenant: tenantKey, rowFound: record !== undefined, error: null };
  if (record?.active !== true) {
    const reason = record ? "tenant deactivated" : "tenant deleted";
    return {
      ...base,
      cluster: record?.cluster ?? null,
      action: "teardown",
      objects: inventory.map((entry) => pruneDiff(entry, reason)),
    };
  }
  const active = record;
  const objects: ObjectDiff[] = [];
  const selected: TemplateSet[] = [];
  const undecided = new Set<string>();
  for (const set of deps.sets.filter((s) => inSet(s.name))) {
    try {
      if (selects(set, active.row)) selected.push(set);
    } catch (error) {
      undecided.add(set.name);
      objects.push(
        objectDiff(
          "error",
          { templateSet: set.name, resourceId: null },
          {
            reason: "row",
            message: (error as Error).message,
          },
        ),
      );
    }
  }
  let client: ClusterClient;
  try {
    client = await deps.clusters.client(active.cluster);
  } catch (error) {
    return {
      ...base,
      cluster: active.cluster,
      action: "apply",
      error: { reason: "unavailable", message: `cluster ${active.cluster}: ${(error as Error).message}` },
      objects,
    };
  }
  const limit = pLimit(deps.concurrency);
  const refs = new Map<string, Refs>();
  for (const set of selected) {
    const setRefs: Refs = new Map();
    refs.set(set.name, setRefs);
    const render = renderTenant(set, active.row, active.key, active.cluster);
    const diffs = await Promise.all(
      render.resources.map((rendered) =>
        limit(async (): Promise<ObjectDiff> => {
          const where = { templateSet: set.name, resourceId: rendered.resourceId };
          setRefs.set(rendered.resourceId, null);
          if (!rendered.ok)
            return objectDiff("error", where, { reason: "render", message: rendered.error.message });
          const resource = set.resources.find((r) => r.id === rendered.resourceId);
          if (!resource)
            throw new TenantSyncError(`resource ${rendered.resourceId} is not in template set ${set.name}`, {
              templateSet: set.name,
              resource: rendered.resourceId,
            });
          let mapping: Awaited<ReturnType<ClusterClient["mapping"]>>;
          try {
            mapping = await client.mapping(rendered.object.apiVersion, rendered.object.kind);
          } catch (error) {
            return objectDiff("error", where, {
              reason: isTransient(error) ? "unavailable" : "invalid",
              message: describeApiError(error),
            });
          }
          const desired = finalizeRendered(rendered, mapping, render);
          if (!desired.ok) return objectDiff("error", where, { reason: "render", message: desired.message });
          setRefs.set(rendered.resourceId, {
            apiVersion: desired.object.apiVersion,
            kind: desired.object.kind,
            namespace: desired.object.metadata.namespace,
            name: desired.object.metadata.name,
          });
          return diffObject(client, desired.object, resource, active.key, set.name);
        }),
      ),
    );
    objects.push(...diffs);
  }
  for (const entry of inventory) {
    if (undecided.has(entry.templateSet)) continue;
    const setRefs = refs.get(entry.templateSet);
    if (!setRefs) {
      objects.push(pruneDiff(entry, "template set no longer selects this tenant"));
      continue;
    }
    if (!setRefs.has(entry.resourceId)) {
      objects.push(pruneDiff(entry, "resource no longer in its template set"));
      continue;
    }
    const ref = setRefs.get(entry.resourceId);
    if (ref && !sameObject(entry, active.cluster, ref)) {
      const moved =
        entry.cluster === active.cluster ? "renamed or moved" : `tenant moved to cluster ${active.cluster}`;
      objects.push(pruneDiff(entry, `replaced: ${moved}`));
    }
  }
  return { ...base, cluster: active.cluster, action: "apply", objects };
}

function pruneDiff(entry: InventoryEntry, why: string): ObjectDiff {
  return objectDiff(
    "prune",
    { templateSet: entry.templateSet, resourceId: entry.resourceId, ref: refOfEntry(entry) },
    { deletionPolicy: entry.deletionPolicy, message: `${why} (on cluster ${entry.cluster})` },
  );
}

/** A row that exists but cannot be read: the engine leaves the tenant's objects alone until it is fixed. */
export function invalidTenantDiff(tenantKey: string, message: string): TenantDiff {
  return {
    tenant: tenantKey,
    cluster: null,
    action: "invalid",
    rowFound: true,
    error: { reason: "row", message },
    objects: [],
  };
}
