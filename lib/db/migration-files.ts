import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TenantSyncError } from "../errors.ts";
import type { Dialect } from "./dialect.ts";

/** One SQL file under lib/db/migrations/<dialect>/, named NNN_name.sql; its id is the file name without .sql. */
export interface Migration {
  id: string;
  file: string;
  sql: string;
}

const FILE_NAME = /^(\d{3})_[a-z0-9_]+\.sql$/;

/** The migrations in this source tree: lib/db/migrations/, one folder per dialect. */
export const SOURCE_MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

/**
 * The folder holding the <dialect>/ folders, when the code does not run from this source tree: a bundle
 * (Lambda) ships lib/db/migrations/ (serverless.yml `package.patterns`) and says where with this variable,
 * since its import.meta.url points into the bundle.
 */
export const MIGRATIONS_DIR_VARIABLE = "TENANT_SYNC_MIGRATIONS_DIR";

/** lib/db/migrations/<dialect>/, under $TENANT_SYNC_MIGRATIONS_DIR when it is set. */
export function defaultMigrationsDirectory(dialect: Dialect, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env[MIGRATIONS_DIR_VARIABLE] || SOURCE_MIGRATIONS_DIR, dialect);
}

/** The migrations in the order they apply (by number); any other .sql file name is an error, not skipped. */
export async function listMigrations(
  dialect: Dialect,
  directory = defaultMigrationsDirectory(dialect),
): Promise<Migration[]> {
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch (error) {
    throw new TenantSyncError(
      `cannot read the ${dialect} migrations directory ${directory}: ${(error as Error).message}`,
    );
  }
  const sqlFiles = names.filter((name) => name.endsWith(".sql")).sort();
  const seen = new Map<string, string>();
  const migrations: Migration[] = [];
  for (const name of sqlFiles) {
    const match = FILE_NAME.exec(name);
    if (!match) {
      throw new TenantSyncError(
        `migration file ${path.join(directory, name)} is misnamed: use NNN_name.sql (three digits, lower case)`,
      );
    }
    const number = match[1] as string;
    const clash = seen.get(number);
    if (clash)
      throw new TenantSyncError(`migrations ${clash} and ${name} in ${directory} share the number ${number}`);
    seen.set(number, name);
    const file = path.join(directory, name);
    migrations.push({ id: name.slice(0, -4), file, sql: await fs.readFile(file, "utf8") });
  }
  return migrations;
}
