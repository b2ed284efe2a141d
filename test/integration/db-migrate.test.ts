import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import { listMigrations, migrate } from "../../lib/db/migrate.ts";
import { createScratchDatabase, DIALECTS, type ScratchDatabase } from "../support/databases.ts";

describe.each(DIALECTS)("migrations (%s)", (dialect) => {
  const scratches: ScratchDatabase[] = [];
  const databases: Database[] = [];

  async function freshDatabase(): Promise<{ scratch: ScratchDatabase; db: Database }> {
    const scratch = await createScratchDatabase(dialect, "ts_migrate");
    scratches.push(scratch);
    const db = openDatabase(scratch.url, { poolSize: 2 });
    databases.push(db);
    return { scratch, db };
  }

  let ids: string[];
  beforeAll(async () => {
    ids = (await listMigrations(dialect)).map((migration) => migration.id);
  });

  afterAll(async () => {
    await Promise.all(databases.map((db) => db.close()));
    await Promise.all(scratches.map((scratch) => scratch.drop()));
  });

  it("applies every file once, in order; a second run is a no-op", async () => {
    const { db } = await freshDatabase();
    expect(ids.slice(0, 2)).toEqual(["001_status", "002_inventory"]);
    expect(await migrate(db)).toEqual({ applied: ids, alreadyApplied: [] });
    expect(await migrate(db)).toEqual({ applied: [], alreadyApplied: ids });
    const { rows } = await db.query<{ id: string; applied_at: string }>(
      "SELECT id, applied_at FROM tenant_sync_migrations ORDER BY id",
    );
    expect(rows.map((row) => row.id)).toEqual(ids);
    for (const row of rows) expect(row.applied_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    for (const table of ["tenant_sync_status", "tenant_sync_inventory"]) {
      const { rows: counted } = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
      expect(counted).toEqual([{ n: 0 }]);
    }
  });

  it("is safe when several processes migrate the same database at once", async () => {
    const { scratch } = await freshDatabase();
    // Separate pools stand for separate processes: each takes its own session and lock.
    const processes = Array.from({ length: 4 }, () => openDatabase(scratch.url, { poolSize: 1 }));
    databases.push(...processes);
    const results = await Promise.all(processes.map((db) => migrate(db)));
    const applied = results.flatMap((result) => result.applied).sort();
    expect(applied).toEqual([...ids].sort());
    for (const result of results)
      expect([...result.applied, ...result.alreadyApplied].sort()).toEqual([...ids].sort());
    const { rows } = await (processes[0] as Database).query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM tenant_sync_migrations",
    );
    expect(rows).toEqual([{ n: ids.length }]);
  });

  it("names the failing file, and a later run retries it", async () => {
    const { db } = await freshDatabase();
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), "tenant-sync-migrations-"));
    try {
      await fs.writeFile(
        path.join(directory, "001_ok.sql"),
        "CREATE TABLE tenant_sync_probe (id integer PRIMARY KEY);\n",
      );
      await fs.writeFile(
        path.join(directory, "002_broken.sql"),
        "CREATE TABLE tenant_sync_broken (id nonsense_type);\n",
      );
      await expect(migrate(db, { directory })).rejects.toThrow(
        new RegExp(`migration ${directory}/002_broken\\.sql failed on \\w+://tenant_sync:\\*\\*\\*@`),
      );
      const { rows } = await db.query<{ id: string }>("SELECT id FROM tenant_sync_migrations");
      expect(rows.map((row) => row.id)).toEqual(["001_ok"]);
      await fs.writeFile(
        path.join(directory, "002_broken.sql"),
        "CREATE TABLE tenant_sync_broken (id integer);\n",
      );
      expect(await migrate(db, { directory })).toEqual({
        applied: ["002_broken"],
        alreadyApplied: ["001_ok"],
      });
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  });

  it("refuses misnamed or duplicate-numbered files", async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), "tenant-sync-migrations-"));
    try {
      await fs.writeFile(path.join(directory, "001_a.sql"), "SELECT 1;");
      await fs.writeFile(path.join(directory, "001_b.sql"), "SELECT 1;");
      await expect(listMigrations(dialect, directory)).rejects.toThrow(
        /001_a\.sql and 001_b\.sql .* share the number 001/,
      );
      await fs.rm(path.join(directory, "001_b.sql"));
      await fs.writeFile(path.join(directory, "2_b.sql"), "SELECT 1;");
      await expect(listMigrations(dialect, directory)).rejects.toThrow(
        /2_b\.sql is misnamed: use NNN_name\.sql/,
      );
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  });
});
