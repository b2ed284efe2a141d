/**
 * tenant_sync_template_versions: the text of every set version a deployment ran, so a rollout can keep
 * rendering the old version for tenants it has not admitted yet, after the deployment only ships the new one.
 */
import path from "node:path";
import { SqlParams } from "../db/params.ts";
import type { Queryable } from "../db/queryable.ts";
import { TenantSyncError } from "../errors.ts";
import { loadTemplateSetFromFiles } from "../templates/loader.ts";
import type { TemplateSet } from "../templates/model.ts";
import { type SetFiles, templateSetFiles } from "./set-files.ts";

const TABLE = "tenant_sync_template_versions";

/**
 * Stores each set's files under its version; a version already stored is left as it is (same version, same
 * text). Returns the "set@version" of the versions that were not stored before.
 */
export async function recordTemplateVersions(db: Queryable, sets: readonly TemplateSet[]): Promise<string[]> {
  const added: string[] = [];
  for (const set of sets) {
    if (await hasTemplateVersion(db, set.name, set.version)) continue;
    const files = await templateSetFiles(set);
    const params = new SqlParams();
    const values = `${params.add(set.name)}, ${params.add(set.version)}, ${params.add(JSON.stringify(files))}`;
    // Another process may store the same version at the same moment: the second insert does nothing.
    const sql =
      db.dialect === "postgres"
        ? `INSERT INTO ${TABLE} (template_set, version, files) VALUES (${values}::jsonb)
           ON CONFLICT (template_set, version) DO NOTHING`
        : // A no-op update rather than INSERT IGNORE, which would also turn real errors into warnings.
          `INSERT INTO ${TABLE} (template_set, version, files) VALUES (${values})
           ON DUPLICATE KEY UPDATE version = version`;
    await db.query(sql, params.values);
    added.push(`${set.name}@${set.version}`);
  }
  return added;
}

/** Whether a version of a set is stored. */
export async function hasTemplateVersion(db: Queryable, set: string, version: string): Promise<boolean> {
  const params = new SqlParams();
  const { rows } = await db.query(
    `SELECT 1 AS found FROM ${TABLE} WHERE template_set = ${params.add(set)} AND version = ${params.add(version)}`,
    params.values,
  );
  return rows.length > 0;
}

/**
 * The stored version of a set, loaded with the same checks as a folder. Errors name the set and version:
 * none stored, files that no longer load, or files whose hash is not the version they are stored under.
 */
export async function loadTemplateVersion(db: Queryable, set: string, version: string): Promise<TemplateSet> {
  const params = new SqlParams();
  const { rows } = await db.query<{ files: unknown }>(
    `SELECT files FROM ${TABLE} WHERE template_set = ${params.add(set)} AND version = ${params.add(version)}`,
    params.values,
  );
  const where = `${TABLE}: template set ${set}, version ${version}`;
  if (rows.length === 0) throw new TenantSyncError(`${where}: not stored`, { templateSet: set });
  const files = parseFiles(rows[0]?.files, where);
  // The "folder" only names the stored version in render errors; its last segment must be the set's name.
  const loaded = await loadTemplateSetFromFiles(path.join(TABLE, version, set), files).catch((error) => {
    throw new TenantSyncError(`${where}: the stored files do not load: ${(error as Error).message}`, {
      cause: error,
      templateSet: set,
    });
  });
  if (loaded.version !== version) {
    throw new TenantSyncError(
      `${where}: the stored files hash to version ${loaded.version}, not ${version}`,
      { templateSet: set },
    );
  }
  return loaded;
}

/** pg and MySQL deliver JSON parsed, MariaDB as text: either way an object of file texts. */
function parseFiles(value: unknown, where: string): SetFiles {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new TenantSyncError(`${where}: files is not JSON: ${(error as Error).message}`);
    }
  }
  const valid =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((text) => typeof text === "string");
  if (!valid) throw new TenantSyncError(`${where}: files must be a JSON object of file name → text`);
  return parsed as SetFiles;
}
