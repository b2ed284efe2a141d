import type { Dialect } from "../../lib/db/dialect.ts";
import type { Queryable } from "../../lib/db/queryable.ts";

/** The one column list; the dialects differ only in the integer type and the JSON column. */
const tenantsDdl = (integer: string, settings: string) => `CREATE TABLE IF NOT EXISTS tenants (
    id varchar(64) PRIMARY KEY,
    slug varchar(100) NOT NULL,
    display_name text NOT NULL,
    plan varchar(32) NOT NULL,
    replicas ${integer} NOT NULL DEFAULT 1,
    host varchar(253) NOT NULL,
    cpu_limit varchar(16) NOT NULL DEFAULT '2',
    memory_limit varchar(16) NOT NULL DEFAULT '4Gi',
    settings ${settings},
    active boolean NOT NULL DEFAULT true,
    cluster varchar(64)
  )`;

/** The tenants table the example template sets (templates/webapp, templates/monitoring) read from. */
export const EXAMPLE_TENANTS_DDL: Record<Dialect, string> = {
  postgres: tenantsDdl("integer", "jsonb NOT NULL DEFAULT '{}'"),
  mysql: tenantsDdl("int", "json NOT NULL"),
};

const PLANS = ["basic", "pro", "enterprise"] as const;

/** A plausible tenant row, deterministic in its index. */
export function exampleTenant(prefix: string, index: number): Record<string, unknown> {
  const id = `${prefix}-${String(index).padStart(5, "0")}`;
  const plan = PLANS[index % PLANS.length] as string;
  return {
    id,
    slug: id,
    display_name: `Tenant ${index} "${plan}"`,
    plan,
    replicas: 1 + (index % 3),
    host: `${id}.example.com`,
    cpu_limit: plan === "enterprise" ? "8" : "2",
    memory_limit: plan === "enterprise" ? "16Gi" : "4Gi",
    settings: JSON.stringify({ theme: index % 2 === 0 ? "dark" : "light", beta: plan !== "basic" }),
    active: true,
  };
}

/** Inserts rows in multi-row statements (one transaction per chunk). */
export async function insertTenants(db: Queryable, rows: readonly Record<string, unknown>[]): Promise<void> {
  const columns = Object.keys(rows[0] ?? {});
  for (let start = 0; start < rows.length; start += 200) {
    const chunk = rows.slice(start, start + 200);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = columns.map((column) => {
        values.push(row[column]);
        return `$${values.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await db.query(`INSERT INTO tenants (${columns.join(", ")}) VALUES ${tuples.join(", ")}`, values);
  }
}
