import { CliError } from "./exit-codes.ts";

/** PostgreSQL's undefined_table, MySQL's ER_NO_SUCH_TABLE. */
const MISSING_TABLE = new Set(["42P01", "ER_NO_SUCH_TABLE"]);

/**
 * A tenant-sync table that does not exist means the migrations never ran on that database: say so and
 * where, instead of only repeating the driver's "relation does not exist".
 */
export function explainDatabaseError(error: unknown, location: string): unknown {
  const code = (error as { code?: unknown })?.code;
  const message = (error as Error)?.message ?? "";
  if (typeof code === "string" && MISSING_TABLE.has(code) && message.includes("tenant_sync_")) {
    return new CliError(
      `${message} on ${location}: tenant-sync's migrations (lib/db/migrations/) have not run on this database ` +
        "(`npm run dev` runs them on the local stack; see docs/deployment.md)",
    );
  }
  return error;
}
