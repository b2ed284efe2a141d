import { TenantSyncError } from "../errors.ts";
import { loadTemplateSets } from "../templates/loader.ts";
import { builtinResource, groupOf, type KindResource } from "./builtin-resources.ts";
import { clusterRoleYaml, type Subject } from "./cluster-role.ts";
import { templateKinds } from "./template-kinds.ts";

/** Resolves a kind that is not built in (a CRD) to its plural, e.g. by discovery on a cluster. */
export type ResolvePlural = (apiVersion: string, kind: string) => Promise<string>;

export interface GenerateRbacOptions {
  /** Folders of template sets, as `--templates` takes them. */
  templateDirs: readonly string[];
  name: string;
  subjects: readonly Subject[];
  resolve?: ResolvePlural;
}

/** The ClusterRole and binding (YAML) that let `subjects` sync every template set found in `templateDirs`. */
export async function generateRbac(options: GenerateRbacOptions): Promise<string> {
  const sets = (await Promise.all(options.templateDirs.map((dir) => loadTemplateSets(dir)))).flat();
  if (sets.length === 0) {
    throw new TenantSyncError(`no template sets found in ${options.templateDirs.join(", ")}`);
  }
  const resources: KindResource[] = [];
  for (const { apiVersion, kind, files } of templateKinds(sets)) {
    const builtin = builtinResource(apiVersion, kind);
    if (builtin) {
      resources.push(builtin);
      continue;
    }
    if (!options.resolve) {
      throw new TenantSyncError(
        `${files.join(", ")}: kind ${kind} (${apiVersion}) is not a built-in kind; pass --cluster <name> ` +
          "to look up its resource name by discovery on a cluster that has its CRD",
      );
    }
    resources.push({ group: groupOf(apiVersion), resource: await options.resolve(apiVersion, kind) });
  }
  return clusterRoleYaml(resources, {
    name: options.name,
    subjects: options.subjects,
    sets: sets.map((set) => set.name),
  });
}
