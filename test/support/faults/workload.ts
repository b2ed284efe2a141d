import { exampleTenant } from "../../../infra/example/tenants.ts";
import type { Database } from "../../../lib/db/database.ts";
import type { Prng } from "./prng.ts";

export type OpKind = "insert" | "update" | "deactivate" | "reactivate" | "delete";

export interface Op {
  index: number;
  kind: OpKind;
  tenant: string;
  /** The whole row after the op (undefined for delete). */
  row: Record<string, unknown> | undefined;
}

const COLUMNS = [
  "id",
  "slug",
  "display_name",
  "plan",
  "replicas",
  "host",
  "cpu_limit",
  "memory_limit",
  "settings",
  "active",
] as const;

/**
 * The random operation stream over a fixed pool of tenant keys. A key that has no row is inserted (again, if
 * it was deleted before: its namespace may still be terminating); one that has a row is updated, deactivated
 * or reactivated, or deleted. Every update bumps a revision in `display_name`, which the webapp ConfigMap
 * carries as TENANT_NAME, so a lost update is visible in the cluster; some also flip the plan (which
 * selects or drops the monitoring set) or change the settings (the Deployment's pod template).
 */
export class Workload {
  private readonly prng: Prng;
  private readonly keys: string[];
  private readonly rows = new Map<string, Record<string, unknown>>();
  private readonly revisions = new Map<string, number>();
  private index = 0;
  readonly counts: Record<OpKind, number> = {
    insert: 0,
    update: 0,
    deactivate: 0,
    reactivate: 0,
    delete: 0,
  };
  /** Tenants that some op touched, for duplicate deliveries. */
  readonly touched = new Set<string>();

  constructor(prng: Prng, tenants: number, prefix = "f") {
    this.prng = prng;
    this.keys = Array.from({ length: tenants }, (_, i) => exampleTenant(prefix, i).id as string);
  }

  next(): Op {
    const tenant = this.prng.pick(this.keys);
    const current = this.rows.get(tenant);
    let kind: OpKind;
    if (!current) kind = "insert";
    else {
      const roll = this.prng.next();
      if (roll < 0.1) kind = "delete";
      else if (roll < 0.25) kind = current.active === true ? "deactivate" : "reactivate";
      else kind = "update";
    }
    const revision = (this.revisions.get(tenant) ?? 0) + 1;
    this.revisions.set(tenant, revision);
    let row: Record<string, unknown> | undefined;
    if (kind === "delete") {
      this.rows.delete(tenant);
    } else {
      const index = this.keys.indexOf(tenant);
      row = { ...(current ?? exampleTenant("f", index)) };
      row.display_name = `Tenant ${index} rev ${revision}`;
      if (kind === "deactivate") row.active = false;
      if (kind === "reactivate") row.active = true;
      if (kind === "update") {
        if (this.prng.chance(0.3)) row.plan = this.prng.pick(["basic", "pro", "enterprise"]);
        if (this.prng.chance(0.2)) {
          row.settings = JSON.stringify({ theme: this.prng.pick(["dark", "light"]), rev: revision });
        }
      }
      this.rows.set(tenant, row);
    }
    this.counts[kind]++;
    this.touched.add(tenant);
    return { index: this.index++, kind, tenant, row };
  }
}

/**
 * Applies one op to the database. Writes are idempotent (upsert of the whole row, or delete), so the driver
 * can retry one whose outcome it never learned, e.g. while the database restarts. Retrying is the driver's
 * business (an application would do the same), not the product's.
 */
export async function applyOp(db: Database, op: Op): Promise<void> {
  if (op.row === undefined) {
    await db.query("DELETE FROM tenants WHERE id = $1", [op.tenant]);
    return;
  }
  const row = op.row;
  const values = COLUMNS.map((column) => row[column]);
  const placeholders = COLUMNS.map((_, i) => `$${i + 1}`).join(", ");
  const updates = COLUMNS.filter((c) => c !== "id");
  const upsert =
    db.dialect === "postgres"
      ? `ON CONFLICT (id) DO UPDATE SET ${updates.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}`
      : `ON DUPLICATE KEY UPDATE ${updates.map((c) => `${c} = VALUES(${c})`).join(", ")}`;
  await db.query(`INSERT INTO tenants (${COLUMNS.join(", ")}) VALUES (${placeholders}) ${upsert}`, values);
}

/** Retries `write` until it succeeds or `timeoutMs` passes; returns how many attempts failed. */
export async function withRetry(write: () => Promise<void>, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let failures = 0; ; failures++) {
    try {
      await write();
      return failures;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
