import type { ClusterRegistry } from "../../../lib/clusters/cluster-registry.ts";
import type { Database } from "../../../lib/db/database.ts";
import type { TenantRecord, TenantSource } from "../../../lib/db/source.ts";
import { readStatus } from "../../../lib/db/status-store.ts";
import { finalizeRendered } from "../../../lib/engine/desired.ts";
import type { ClusterClient } from "../../../lib/kube/cluster-client.ts";
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_TENANT_KEY,
  LABEL_RESOURCE,
  LABEL_TEMPLATE_SET,
  managedSelector,
} from "../../../lib/kube/labels.ts";
import type { KubeObject } from "../../../lib/kube/object-ref.ts";
import { contentHash } from "../../../lib/templates/canonical.ts";
import type { TemplateSet } from "../../../lib/templates/model.ts";
import { renderTenant } from "../../../lib/templates/render.ts";
import { selects } from "../../../lib/templates/selector.ts";

/** Kinds of difference between the database and the cluster (and the status table). */
export type MismatchKind =
  | "renderFailed"
  | "missing"
  | "terminating"
  | "wrongOwner"
  | "staleContent"
  | "valueLost"
  | "orphan"
  | "statusMissing"
  | "statusNotReady"
  | "statusStaleHash"
  | "statusNotDeleted"
  | "inventoryStale";

export interface Mismatch {
  kind: MismatchKind;
  tenant: string;
  detail: string;
}

export interface Diff {
  tenants: { rows: number; active: number; inactive: number };
  desiredObjects: number;
  liveObjects: number;
  mismatches: Mismatch[];
}

interface DesiredObject {
  tenant: string;
  set: string;
  resource: string;
  object: KubeObject;
  hash: string;
  once: boolean;
}

const objectKey = (o: { apiVersion: string; kind: string; metadata: { namespace?: string; name: string } }) =>
  `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/**
 * The database against the cluster, computed independently of the engine's bookkeeping: every tenant row is
 * rendered here, every managed object listed there, and each status row checked against what the row says
 * now. Empty `mismatches` means the cluster equals the database.
 */
export async function computeDiff(deps: {
  db: Database;
  source: TenantSource;
  sets: readonly TemplateSet[];
  clusters: ClusterRegistry;
  cluster: string;
}): Promise<Diff> {
  const client = await deps.clusters.client(deps.cluster);
  const mismatches: Mismatch[] = [];
  const records: TenantRecord[] = [];
  for await (const page of deps.source.pageTenants({ pageSize: 500 })) records.push(...page);
  const byTenant = new Map(records.map((r) => [r.key, r]));

  const desired = new Map<string, DesiredObject>();
  /** tenant \0 set -> combined hash the engine records when the set is Ready. */
  const wantedSets = new Map<string, string>();
  for (const record of records.filter((r) => r.active)) {
    for (const set of deps.sets) {
      if (!selects(set, record.row)) continue;
      const render = renderTenant(set, record.row, record.key, record.cluster);
      const hashes: Record<string, string> = {};
      for (const resource of render.resources) {
        if (!resource.ok) {
          mismatches.push({ kind: "renderFailed", tenant: record.key, detail: resource.error.message });
          continue;
        }
        const mapping = await client.mapping(resource.object.apiVersion, resource.object.kind);
        const final = finalizeRendered(resource, mapping, render);
        if (!final.ok) {
          mismatches.push({ kind: "renderFailed", tenant: record.key, detail: final.message });
          continue;
        }
        hashes[resource.resourceId] = final.hash;
        const once = set.resources.find((r) => r.id === resource.resourceId)?.creation === "Once";
        desired.set(objectKey(final.object), {
          tenant: record.key,
          set: set.name,
          resource: resource.resourceId,
          object: final.object,
          hash: final.hash,
          once,
        });
      }
      wantedSets.set(`${record.key}\u0000${set.name}`, contentHash(hashes));
    }
  }

  const kinds = new Set([...desired.values()].map((d) => `${d.object.apiVersion}\u0000${d.object.kind}`));
  const inventoryKinds = await deps.db.query<{ api_version: string; kind: string }>(
    "SELECT DISTINCT api_version, kind FROM tenant_sync_inventory",
  );
  for (const row of inventoryKinds.rows) kinds.add(`${row.api_version}\u0000${row.kind}`);
  const live = await listManaged(client, kinds);

  for (const [key, want] of desired) {
    const object = live.get(key);
    const where = `${want.set}/${want.resource} ${key}`;
    if (!object) {
      mismatches.push({ kind: "missing", tenant: want.tenant, detail: where });
      continue;
    }
    const annotations = object.metadata.annotations ?? {};
    if (object.metadata.deletionTimestamp) {
      mismatches.push({ kind: "terminating", tenant: want.tenant, detail: where });
    } else if (annotations[ANNOTATION_TENANT_KEY] !== want.tenant) {
      mismatches.push({
        kind: "wrongOwner",
        tenant: want.tenant,
        detail: `${where} is labelled for ${annotations[ANNOTATION_TENANT_KEY]}`,
      });
    } else if (!want.once && annotations[ANNOTATION_CONTENT_HASH] !== want.hash) {
      mismatches.push({ kind: "staleContent", tenant: want.tenant, detail: where });
    }
    // Independent of the hash: the value the last update wrote must be what the cluster holds.
    const data = (object as { data?: Record<string, string> }).data;
    const row = byTenant.get(want.tenant)?.row ?? {};
    if (want.object.kind === "ConfigMap" && want.object.metadata.name === "web-config") {
      for (const [field, column] of [
        ["TENANT_NAME", "display_name"],
        ["TENANT_PLAN", "plan"],
      ] as const) {
        if (data?.[field] !== String(row[column])) {
          mismatches.push({
            kind: "valueLost",
            tenant: want.tenant,
            detail: `${key} ${field}=${JSON.stringify(data?.[field])}, row ${column}=${JSON.stringify(row[column])}`,
          });
        }
      }
    }
  }
  for (const [key, object] of live) {
    if (desired.has(key)) continue;
    const tenant = object.metadata.annotations?.[ANNOTATION_TENANT_KEY] ?? "?";
    const record = byTenant.get(tenant);
    const why = !record ? "row deleted" : !record.active ? "tenant inactive" : "not rendered for the row";
    const set = object.metadata.labels?.[LABEL_TEMPLATE_SET];
    const resource = object.metadata.labels?.[LABEL_RESOURCE];
    mismatches.push({
      kind: object.metadata.deletionTimestamp ? "terminating" : "orphan",
      tenant,
      detail: `${set}/${resource} ${key} (${why})`,
    });
  }

  for (const status of await readStatus(deps.db)) {
    const id = `${status.tenantKey}\u0000${status.templateSet}`;
    const hash = wantedSets.get(id);
    const where = `${status.tenantKey}/${status.templateSet}`;
    if (hash === undefined) {
      if (status.phase !== "Deleted") {
        mismatches.push({
          kind: "statusNotDeleted",
          tenant: status.tenantKey,
          detail: `${where} is ${status.phase}: ${status.message ?? ""}`,
        });
      }
    } else if (status.phase !== "Ready") {
      mismatches.push({
        kind: "statusNotReady",
        tenant: status.tenantKey,
        detail: `${where} is ${status.phase}: ${status.message ?? ""}`,
      });
    } else if (status.appliedHash !== hash) {
      mismatches.push({ kind: "statusStaleHash", tenant: status.tenantKey, detail: where });
    }
    wantedSets.delete(id);
  }
  for (const id of wantedSets.keys()) {
    const [tenant, set] = id.split("\u0000") as [string, string];
    mismatches.push({ kind: "statusMissing", tenant, detail: `${tenant}/${set}` });
  }

  const inventory = await deps.db.query<Record<string, string>>(
    "SELECT tenant_key, template_set, resource_id, api_version, kind, namespace, name, content_hash FROM tenant_sync_inventory",
  );
  for (const entry of inventory.rows) {
    const key = `${entry.api_version}/${entry.kind}/${entry.namespace ?? ""}/${entry.name}`;
    const want = desired.get(key);
    if (!want || want.tenant !== entry.tenant_key) {
      mismatches.push({
        kind: "inventoryStale",
        tenant: entry.tenant_key as string,
        detail: `${entry.template_set}/${entry.resource_id} ${key} is recorded but not desired`,
      });
    } else if (!want.once && entry.content_hash !== want.hash) {
      mismatches.push({
        kind: "inventoryStale",
        tenant: want.tenant,
        detail: `${key} recorded with another content hash`,
      });
    }
  }

  return {
    tenants: {
      rows: records.length,
      active: records.filter((r) => r.active).length,
      inactive: records.filter((r) => !r.active).length,
    },
    desiredObjects: desired.size,
    liveObjects: live.size,
    mismatches,
  };
}

async function listManaged(
  client: ClusterClient,
  kinds: ReadonlySet<string>,
): Promise<Map<string, KubeObject>> {
  const live = new Map<string, KubeObject>();
  for (const kind of kinds) {
    const [apiVersion, name] = kind.split("\u0000") as [string, string];
    let continueToken: string | undefined;
    do {
      const page = await client.listPage(apiVersion, name, managedSelector(), { limit: 500, continueToken });
      for (const item of page.items) {
        // Lists leave apiVersion and kind out of the items.
        const object = { ...item, apiVersion, kind: name };
        live.set(objectKey(object), object);
      }
      continueToken = page.continueToken;
    } while (continueToken);
  }
  return live;
}

/** Counts per kind and the first few examples of each, for the report. */
export function summarizeDiff(
  diff: Diff,
  examples = 3,
): Record<string, { count: number; examples: string[] }> {
  const summary: Record<string, { count: number; examples: string[] }> = {};
  for (const mismatch of diff.mismatches) {
    const entry = summary[mismatch.kind] ?? { count: 0, examples: [] };
    summary[mismatch.kind] = entry;
    entry.count++;
    if (entry.examples.length < examples) entry.examples.push(`${mismatch.tenant}: ${mismatch.detail}`);
  }
  return summary;
}
