import fs from "node:fs";
import path from "node:path";
import { type Database, openDatabase } from "../../lib/db/database.ts";

// The tables where tenant-sync writes text a person reads: status messages and sweep reports.
const TABLES = ["tenant_sync_status", "tenant_sync_sweep_runs"];

/**
 * Before a scratch database is dropped, writes the rows tests left in its status tables into the run's log
 * directory, so the end-of-run secret scan checks status rows as well as log lines. A no-op outside a scan.
 */
export async function dumpStatusRows(url: string, name: string): Promise<void> {
  const dir = process.env.TENANT_SYNC_TEST_LOG_DIR;
  if (!dir) return;
  const db = openDatabase(url, { poolSize: 1 });
  try {
    await dump(db, dir, name);
  } catch (error) {
    // Cleanup must go on; the note makes the gap visible in the run's output.
    process.stderr.write(
      `status dump of database ${name} for the secret scan failed: ${(error as Error).message}\n`,
    );
  } finally {
    await db.close();
  }
}

async function dump(db: Database, dir: string, name: string): Promise<void> {
  {
    const lines: string[] = [];
    for (const table of TABLES) {
      // A database a test never migrated has no such table: nothing to check.
      const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${table}`).then(
        (result) => result.rows,
        () => [],
      );
      for (const row of rows) lines.push(JSON.stringify({ table, ...row }));
    }
    if (lines.length > 0) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `db-${name}.jsonl`), `${lines.join("\n")}\n`, { mode: 0o600 });
    }
  }
}
