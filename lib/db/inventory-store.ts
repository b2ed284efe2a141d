/**
 * tenant_sync_inventory: every object tenant-sync applied, per cluster, tenant, template set and resource id.
 * Pruning compares it with what the templates render now; teardown walks it in reverse dependency order.
 */

import { TenantSyncError } from "../errors.ts";
import { DELETION_POLICIES, type DeletionPolicy } from "../templates/model.ts";
import type { Dialect } from "./dialect.ts";
import { SqlParams } from "./params.ts";
import type { Queryable, Row } from "./queryable.ts";
import {
  checkOptionalText,
  checkText,
  checkTime,
  chunks,
  LIMITS,
  shortValue,
  timeText,
  writeInBatches,
} from "./store-values.ts";

export { DELETION_POLICIES, type DeletionPolicy };

export interface InventoryEntry {
  cluster: string;
  tenantKey: string;
  templateSet: string;
  resourceId: string;
  apiVersion: string;
  kind: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
  contentHash: string;
  deletionPolicy: DeletionPolicy;
  /** Resource ids (same tenant and template set) this object depends on. */
  dependsOn: string[];
  /** ISO 8601, UTC. */
  appliedAt: string;
}

/** An entry to record; appliedAt defaults to the database's current time. */
export type AppliedEntry = Omit<InventoryEntry, "appliedAt" | "namespace"> & {
  namespace?: string | null;
  appliedAt?: string | Date;
};

/** One entry of a tenant. Without cluster it matches that resource in every cluster. */
export interface InventoryKey {
  templateSet: string;
  resourceId: string;
  cluster?: string;
}

const TABLE = "tenant_sync_inventory";
const COLUMNS =
  "cluster, tenant_key, template_set, resource_id, api_version, kind, namespace, name, content_hash, " +
  "deletion_policy, depends_on, applied_at";
const BATCH = 500;

/** A tenant's entries (optionally one cluster's or one template set's), ordered by cluster, set and id. */
export async function readInventory(
  db: Queryable,
  tenantKey: string,
  filter: { cluster?: string; templateSet?: string } = {},
): Promise<InventoryEntry[]> {
  const params = new SqlParams();
  let sql = `SELECT ${COLUMNS} FROM ${TABLE} WHERE tenant_key = ${params.add(tenantKey)}`;
  if (filter.cluster !== undefined) sql += ` AND cluster = ${params.add(filter.cluster)}`;
  if (filter.templateSet !== undefined) sql += ` AND template_set = ${params.add(filter.templateSet)}`;
  const { rows } = await db.query(`${sql} ORDER BY cluster, template_set, resource_id`, params.values);
  return rows.map(fromRow);
}

/**
 * Every entry of one cluster, page by page, ordered by tenant, set and id: what the sweep compares with the
 * objects it finds. Keyset pagination along the primary key, so pages stay cheap however many there are.
 */
export async function* readInventoryForCluster(
  db: Queryable,
  cluster: string,
  options: { pageSize?: number } = {},
): AsyncGenerator<InventoryEntry[]> {
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new TenantSyncError(
      `readInventoryForCluster: pageSize must be a positive integer, got ${pageSize}`,
    );
  }
  let after: InventoryEntry | undefined;
  for (;;) {
    const params = new SqlParams();
    let sql = `SELECT ${COLUMNS} FROM ${TABLE} WHERE cluster = ${params.add(cluster)}`;
    if (after) {
      // Spelled out rather than a row comparison, which MariaDB cannot use the primary key for.
      sql += ` AND (tenant_key > ${params.add(after.tenantKey)}
                 OR (tenant_key = ${params.add(after.tenantKey)}
                     AND (template_set > ${params.add(after.templateSet)}
                          OR (template_set = ${params.add(after.templateSet)}
                              AND resource_id > ${params.add(after.resourceId)}))))`;
    }
    sql += ` ORDER BY tenant_key, template_set, resource_id LIMIT ${params.add(pageSize)}`;
    const { rows } = await db.query(sql, params.values);
    const page = rows.map(fromRow);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1];
  }
}

/** Inserts or replaces entries by (cluster, tenant, set, resource id), in one transaction. */
export async function recordApplied(db: Queryable, entries: readonly AppliedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const checked = entries.map(checkEntry);
  const seen = new Set<string>();
  for (const values of checked) {
    const id = JSON.stringify(values.slice(0, 4));
    if (seen.has(id))
      throw new TenantSyncError(
        `${TABLE}: entry ${describeKey(values)} appears twice in one recordApplied call`,
      );
    seen.add(id);
  }
  // Same lock order for every writer: concurrent batches cannot deadlock each other.
  checked.sort((a, b) => compareKeys(a, b));
  await writeInBatches(db, checked, BATCH, upsertSql);
}

function upsertSql(dialect: Dialect, params: SqlParams, batch: unknown[][]): string {
  const postgres = dialect === "postgres";
  const values = batch
    .map((row) => {
      const plain = row.slice(0, 10).map((value) => params.add(value));
      const dependsOn = postgres ? `${params.add(row[10])}::jsonb` : params.add(row[10]);
      const appliedAt = postgres
        ? `COALESCE(${params.add(row[11])}::timestamptz, now())`
        : `COALESCE(${params.add(row[11])}, UTC_TIMESTAMP(3))`;
      return `(${plain.join(", ")}, ${dependsOn}, ${appliedAt})`;
    })
    .join(",\n");
  const updated = [
    "api_version",
    "kind",
    "namespace",
    "name",
    "content_hash",
    "deletion_policy",
    "depends_on",
    "applied_at",
  ];
  return postgres
    ? `INSERT INTO ${TABLE} (${COLUMNS}) VALUES ${values}
       ON CONFLICT (cluster, tenant_key, template_set, resource_id) DO UPDATE SET
       ${updated.map((column) => `${column} = EXCLUDED.${column}`).join(", ")}`
    : `INSERT INTO ${TABLE} (${COLUMNS}) VALUES ${values}
       ON DUPLICATE KEY UPDATE ${updated.map((column) => `${column} = VALUES(${column})`).join(", ")}`;
}

/**
 * Removes entries of one tenant; returns how many rows went. A key without cluster removes that resource
 * from every cluster: pass the cluster when a tenant moved and only the old cluster's objects were removed.
 */
export async function removeInventory(
  db: Queryable,
  tenantKey: string,
  keys: readonly InventoryKey[],
): Promise<number> {
  if (keys.length === 0) return 0;
  return db.transaction(async (tx) => {
    let removed = 0;
    for (const batch of chunks(keys, BATCH)) {
      const params = new SqlParams();
      const tenant = `tenant_key = ${params.add(tenantKey)}`;
      const matches = batch.map((key) => {
        const cluster = key.cluster === undefined ? "" : ` AND cluster = ${params.add(key.cluster)}`;
        return `(template_set = ${params.add(key.templateSet)} AND resource_id = ${params.add(key.resourceId)}${cluster})`;
      });
      const { rowCount } = await tx.query(
        `DELETE FROM ${TABLE} WHERE ${tenant} AND (${matches.join(" OR ")})`,
        params.values,
      );
      removed += rowCount;
    }
    return removed;
  });
}

/** The entry as bound values in COLUMNS order; depends_on as JSON text (neither driver encodes arrays as JSON). */
function checkEntry(entry: AppliedEntry): unknown[] {
  const tenantKey = checkText(entry?.tenantKey, TABLE, "tenantKey", LIMITS.tenantKey);
  const where = `${TABLE} entry for tenant ${shortValue(tenantKey)}`;
  const cluster = checkText(entry.cluster, where, "cluster", LIMITS.cluster);
  const templateSet = checkText(entry.templateSet, where, "templateSet", LIMITS.templateSet);
  const resourceId = checkText(entry.resourceId, where, "resourceId", LIMITS.resourceId);
  const at = `${where}, cluster ${shortValue(cluster)}, template set ${shortValue(templateSet)}, resource ${shortValue(resourceId)}`;
  if (!(DELETION_POLICIES as readonly unknown[]).includes(entry.deletionPolicy)) {
    throw new TenantSyncError(
      `${at}: deletionPolicy ${shortValue(entry.deletionPolicy)} is not Delete or Retain`,
    );
  }
  const dependsOn = entry.dependsOn ?? [];
  if (!Array.isArray(dependsOn) || !dependsOn.every((id) => typeof id === "string" && id !== "")) {
    throw new TenantSyncError(
      `${at}: dependsOn must be an array of resource ids, got ${shortValue(dependsOn)}`,
    );
  }
  return [
    cluster,
    tenantKey,
    templateSet,
    resourceId,
    checkText(entry.apiVersion, at, "apiVersion", LIMITS.apiVersion),
    checkText(entry.kind, at, "kind", LIMITS.kind),
    checkOptionalText(entry.namespace, at, "namespace", LIMITS.namespace) ?? "",
    checkText(entry.name, at, "name", LIMITS.name),
    checkText(entry.contentHash, at, "contentHash", LIMITS.hash),
    entry.deletionPolicy,
    JSON.stringify(dependsOn),
    checkTime(entry.appliedAt, at, "appliedAt"),
  ];
}

function fromRow(row: Row): InventoryEntry {
  // pg and MySQL's JSON type arrive parsed; MariaDB's JSON is text unless the driver saw its metadata.
  const dependsOn = typeof row.depends_on === "string" ? JSON.parse(row.depends_on) : row.depends_on;
  return {
    cluster: String(row.cluster),
    tenantKey: String(row.tenant_key),
    templateSet: String(row.template_set),
    resourceId: String(row.resource_id),
    apiVersion: String(row.api_version),
    kind: String(row.kind),
    namespace: String(row.namespace ?? ""),
    name: String(row.name),
    contentHash: String(row.content_hash),
    deletionPolicy: row.deletion_policy as DeletionPolicy,
    dependsOn: Array.isArray(dependsOn) ? dependsOn.map(String) : [],
    appliedAt: timeText(row.applied_at),
  };
}

function describeKey(values: unknown[]): string {
  const [cluster, tenant, set, id] = values.map((value) => shortValue(value));
  return `cluster ${cluster}, tenant ${tenant}, template set ${set}, resource ${id}`;
}

function compareKeys(a: unknown[], b: unknown[]): number {
  for (let index = 0; index < 4; index++) {
    const left = String(a[index]);
    const right = String(b[index]);
    if (left !== right) return left < right ? -1 : 1;
  }
  return 0;
}
