import { stringify } from "yaml";
import type { SetView } from "./render-report.ts";

/** A multi-document YAML stream, each object introduced by a comment saying where it comes from. */
export function renderYaml(tenantKey: string, views: readonly SetView[]): string {
  const documents: string[] = [];
  for (const view of views) {
    const origin = `tenant ${JSON.stringify(tenantKey)}, template set ${view.name} (version ${view.version})`;
    const note = view.selected ? "" : " - its selector does not pick this tenant";
    for (const resource of view.resources) {
      if (!resource.object) continue;
      documents.push(`# ${origin}, resource ${resource.resourceId}${note}\n${stringify(resource.object)}`);
    }
  }
  return documents.join("---\n");
}
