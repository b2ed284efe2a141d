import pLimit from "p-limit";
import type { TenantRecord } from "../db/source.ts";
import { finalizeRendered } from "../engine/desired.ts";
import type { ClusterClient } from "../kube/cluster-client.ts";
import { ResourceManager } from "../kube/manager/resource-manager.ts";
import { updatesExisting } from "../kube/manager/rules.ts";
import type { KubeObject } from "../kube/object-ref.ts";
import { canonicalJson } from "../templates/canonical.ts";
import type { TemplateSet } from "../templates/model.ts";
import { renderTenant } from "../templates/render.ts";
import { selects } from "../templates/selector.ts";
import type { DesiredObject } from "./desired-index.ts";
import { objectKey } from "./object-key.ts";

export interface DeepCheckInput {
  records: Iterable<TenantRecord>;
  /** The set versions each tenant renders with (rollouts pin some tenants to older ones). */
  setsFor: (tenantKey: string) => readonly TemplateSet[];
  client: (cluster: string) => ClusterClient | undefined;
  /** Objects that passed the shallow check, by object key: only these are checked. */
  candidates: ReadonlyMap<string, DesiredObject>;
  /** The listed objects, by object key. */
  live: (key: string) => KubeObject | undefined;
  concurrency: number;
}

export interface DeepFinding {
  object: DesiredObject;
  /** What differs: a field path, or the conflict the API server reported. */
  detail: string;
}

export interface DeepCheckResult {
  checked: number;
  tenants: number;
  drifted: DeepFinding[];
  errors: string[];
  /** Dry-run applies sent: requests, but not writes. */
  dryRuns: number;
}

/**
 * Finds edits that kept our content-hash annotation: each candidate object is diffed by the resource
 * manager, a server-side dry run by the engine's own apply rules (same field manager, ignoreFields left
 * out, Force where the set says so), and the result is compared with the live object as listed. Equal means our apply would change
 * nothing. A conflict means another field manager took fields we own: drift as well.
 */
export async function deepCheck(input: DeepCheckInput): Promise<DeepCheckResult> {
  const result: DeepCheckResult = { checked: 0, tenants: 0, drifted: [], errors: [], dryRuns: 0 };
  const limit = pLimit(input.concurrency);
  const jobs: Promise<void>[] = [];
  for (const record of input.records) {
    const client = input.client(record.cluster);
    if (!client) continue;
    result.tenants++;
    const manager = new ResourceManager(client, { tenantKey: record.key });
    for (const set of input.setsFor(record.key)) {
      let selected = false;
      try {
        selected = selects(set, record.row);
      } catch {
        // The shallow pass already left this set alone.
      }
      if (!selected) continue;
      const render = renderTenant(set, record.row, record.key, record.cluster);
      for (const resource of render.resources) {
        if (!resource.ok) continue;
        const policy = set.resources.find((r) => r.id === resource.resourceId);
        if (!policy || !updatesExisting(policy)) continue;
        jobs.push(
          limit(async () => {
            const mapping = await client.mapping(resource.object.apiVersion, resource.object.kind);
            const desired = finalizeRendered(resource, mapping, render);
            if (!desired.ok) return;
            const { apiVersion, kind, metadata } = desired.object;
            const key = objectKey(record.cluster, apiVersion, kind, metadata.namespace, metadata.name);
            const candidate = input.candidates.get(key);
            const live = input.live(key);
            if (!candidate || !live) return;
            result.checked++;
            result.dryRuns++;
            const change = await manager.diff(
              desired.object,
              policy,
              (before, after) => firstDifference(comparable(before), comparable(after)),
              live,
            );
            if (change.action === "configured") {
              result.drifted.push({ object: candidate, detail: change.changes });
            } else if (change.action === "conflicted") {
              result.drifted.push({ object: candidate, detail: change.apiError });
            } else if (change.action === "failed") {
              result.errors.push(change.message);
            }
          }),
        );
      }
    }
  }
  await Promise.all(jobs);
  return result;
}

/** The object as JSON without what the server changes on its own: bookkeeping metadata and status. */
export function comparable(object: KubeObject): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(object)) as Record<string, unknown> & {
    metadata?: Record<string, unknown>;
  };
  delete copy.status;
  // Items of a list carry no apiVersion and kind; the object key already says which object this is.
  delete copy.apiVersion;
  delete copy.kind;
  if (copy.metadata) {
    for (const field of ["managedFields", "resourceVersion", "generation", "creationTimestamp", "selfLink"]) {
      delete copy.metadata[field];
    }
  }
  return copy;
}

/** The first path at which two JSON values differ (`spec.replicas`, `data`), or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (a === undefined || b === undefined) return a === b ? undefined : path || "(whole object)";
  if (canonicalJson(a) === canonicalJson(b)) return undefined;
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(a) || !isObject(b)) return path || "(whole object)";
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const inner = firstDifference(a[key], b[key], path ? `${path}.${key}` : key);
    if (inner !== undefined) return inner;
  }
  return path || "(whole object)";
}
