import { TenantSyncError } from "../errors.ts";
import type { TemplateSet } from "../templates/model.ts";
import { renderTemplateObject } from "../templates/render.ts";
import type { SectionMode } from "../templates/writer.ts";

/** One apiVersion/kind some template renders, with the template files that render it (for error messages). */
export interface TemplateKind {
  apiVersion: string;
  kind: string;
  files: string[];
}

// Both section modes, as `validate` checks them: a kind behind {{#flag}} or {{^flag}} is still a kind the
// engine may write.
const MODES: readonly SectionMode[] = ["trial-sections", "trial-inverted"];

/** Every kind the given template sets can render, found by rendering each template with placeholder values. */
export function templateKinds(sets: readonly TemplateSet[]): TemplateKind[] {
  const kinds = new Map<string, TemplateKind>();
  for (const set of sets) {
    for (const resource of set.resources) {
      for (const mode of MODES) {
        const { object } = renderTemplateObject(resource.source, {}, mode);
        const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
        if (typeof apiVersion !== "string" || typeof kind !== "string") {
          throw new TenantSyncError(
            `${resource.path}: apiVersion and kind must be literal strings to derive RBAC`,
          );
        }
        const key = `${apiVersion}/${kind}`;
        const entry = kinds.get(key) ?? { apiVersion, kind, files: [] };
        if (!entry.files.includes(resource.path)) entry.files.push(resource.path);
        kinds.set(key, entry);
      }
    }
  }
  return [...kinds.values()];
}
