import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TenantSyncError } from "../errors.ts";
import type { Dialect } from "./dialect.ts";

/** One SQL file under infra/sql/<dialect>/, named NNN_name.sql; its id is the file name without .sql. */
export interface Migration {
  id: string;
  file: string;
  sql: string;
}

const FILE_NAME = /^(\d{3})_[a-z0-9_]+\.sql$/;

/**
 * infra/sql/postgres or infra/sql/mysql next to this source tree. A bundle (Lambda) must ship these files
 * and pass their directory to migrate(), since import.meta.url then points into the bundle.
 */
export function defaultMigrationsDirectory(dialect: Dialect): string {
  return fileURLToPath(new URL(`../../infra/sql/${dialect}/`, import.meta.url));
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
