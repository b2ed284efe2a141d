import { readFile } from "node:fs/promises";
import { TenantSyncError } from "../errors.ts";
import { MANIFEST_FILE, setVersion } from "../templates/loader.ts";
import type { TemplateSet } from "../templates/model.ts";

/** A set's text as tenant_sync_template_versions stores it: path relative to the set folder → content. */
export type SetFiles = Record<string, string>;

/**
 * The files a loaded set was built from. Resource texts are in the set; the manifest is read again from
 * its file, so the result is checked against the set's version: a folder edited since loading is an error,
 * never a wrong version on record.
 */
export async function templateSetFiles(set: TemplateSet): Promise<SetFiles> {
  let manifest: string;
  try {
    manifest = await readFile(set.manifestPath, "utf8");
  } catch (error) {
    throw new TenantSyncError(
      `template set ${set.name}: cannot read ${set.manifestPath} to record version ${set.version}: ` +
        (error as Error).message,
      { templateSet: set.name },
    );
  }
  const sources = new Map(set.resources.map((resource) => [resource.file, resource.source]));
  const version = setVersion(manifest, sources);
  if (version !== set.version) {
    throw new TenantSyncError(
      `template set ${set.name}: ${set.manifestPath} changed since the set was loaded (version ` +
        `${set.version}, the files now give ${version}); reload the sets before recording them`,
      { templateSet: set.name },
    );
  }
  return { [MANIFEST_FILE]: manifest, ...Object.fromEntries(sources) };
}
