import { TenantRowError, type TenantSource } from "../../db/source.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { rowFromFlags } from "./row-values.ts";

/** The row a tenant is rendered from, the cluster it lives on, and whether it is active. */
export interface TenantRow {
  row: Record<string, unknown>;
  cluster: string;
  active: boolean;
  source: "database" | "flags";
}

/** The tenant's row from the source table; an unknown tenant or an unreadable row stops the command. */
export async function rowFromDatabase(source: TenantSource, tenant: string): Promise<TenantRow> {
  try {
    const record = await source.readTenant(tenant);
    if (!record) throw new CliError(`tenant ${JSON.stringify(tenant)} not found: no row in ${source.table}`);
    return { row: record.row, cluster: record.cluster, active: record.active, source: "database" };
  } catch (error) {
    if (error instanceof TenantRowError) throw new CliError(error.message, EXIT.problems);
    throw error;
  }
}

/**
 * A row made of command-line values, read with the environment's source settings (key and cluster
 * columns, default cluster) so it looks like what the database would give.
 */
export function rowFromValues(
  tenant: string,
  env: NodeJS.ProcessEnv,
  flags: { rowJson?: Record<string, unknown>; values?: [string, unknown][]; cluster?: string },
): TenantRow {
  const row = rowFromFlags(tenant, env.TENANT_SYNC_KEY_COLUMN || "id", flags.rowJson, flags.values ?? []);
  const clusterColumn = env.TENANT_SYNC_CLUSTER_COLUMN;
  const fromRow = clusterColumn ? row[clusterColumn] : undefined;
  const cluster =
    flags.cluster ??
    (typeof fromRow === "string" && fromRow !== "" ? fromRow : env.TENANT_SYNC_DEFAULT_CLUSTER || "default");
  return { row, cluster, active: true, source: "flags" };
}
