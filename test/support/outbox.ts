import { type Database, openDatabase } from "../../lib/db/database.ts";
import type { Dialect } from "../../lib/db/dialect.ts";
import { migrate } from "../../lib/db/migrate.ts";
import { installTriggers } from "../../lib/pipeline/triggers/triggers.ts";
import { createScratchDatabase, type ScratchDatabase } from "./databases.ts";

/** A plain tenants table: the default collation on MariaDB is case-insensitive, which the tests rely on. */
export const TENANTS_TABLE = "CREATE TABLE tenants (id varchar(64) PRIMARY KEY, plan varchar(32) NOT NULL)";

export interface OutboxRow {
  id: string;
  tenant_key: string;
  operation: string;
  table_name: string;
  changed_at: string;
  sent_at: string | null;
  dedup_token: string;
}

export interface OutboxFixture {
  db: Database;
  scratch: ScratchDatabase;
  /** Every outbox row, in id order, with the id as a string. */
  outbox(): Promise<OutboxRow[]>;
  /** Empties tenants and outbox between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A migrated scratch database with a tenants table and the outbox triggers installed on it. */
export async function outboxFixture(dialect: Dialect, prefix: string): Promise<OutboxFixture> {
  const scratch = await createScratchDatabase(dialect, prefix);
  const db = openDatabase(scratch.url, { poolSize: 4 });
  await migrate(db);
  await db.query(TENANTS_TABLE);
  await installTriggers(db, { table: "tenants", keyColumn: "id" });
  return {
    db,
    scratch,
    outbox: () => readOutbox(db),
    async reset() {
      await db.query("DELETE FROM tenants");
      await db.query("DELETE FROM tenant_sync_outbox");
    },
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}

export async function readOutbox(db: Database): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    "SELECT id, tenant_key, operation, table_name, changed_at, sent_at, dedup_token FROM tenant_sync_outbox ORDER BY id",
  );
  return rows.map((row) => ({ ...row, id: String(row.id) }));
}
