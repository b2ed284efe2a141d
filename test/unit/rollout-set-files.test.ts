import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { templateSetFiles } from "../../lib/rollout/set-files.ts";
import { TemplateSetError } from "../../lib/templates/load-problem.ts";
import { loadTemplateSet, loadTemplateSetFromFiles } from "../../lib/templates/loader.ts";
import { renderTenant } from "../../lib/templates/render.ts";
import {
  CONFIGMAP,
  EXAMPLE_TEMPLATES,
  removeTempSets,
  sampleRow,
  writeSetFiles,
} from "./template-fixtures.ts";

afterAll(removeTempSets);

describe("a set stored as its files' text", () => {
  it("loads back as the same version, with the same resources and renders", async () => {
    const set = await loadTemplateSet(join(EXAMPLE_TEMPLATES, "webapp"));
    const files = await templateSetFiles(set);
    expect(Object.keys(files).sort()).toEqual(
      ["templateset.yaml", ...set.resources.map((resource) => resource.file)].sort(),
    );

    const stored = await loadTemplateSetFromFiles(
      join("tenant_sync_template_versions", set.version, "webapp"),
      files,
    );
    expect(stored.version).toBe(set.version);
    expect(stored.resources.map((r) => [r.id, r.file, r.source, r.dependsOn])).toEqual(
      set.resources.map((r) => [r.id, r.file, r.source, r.dependsOn]),
    );
    expect(stored.resources[0]?.path).toBe(
      join("tenant_sync_template_versions", set.version, "webapp", set.resources[0]?.file ?? ""),
    );

    const render = (s: typeof set) =>
      renderTenant(s, sampleRow(), "acme", "local").resources.map((r) => (r.ok ? r.hash : r.error.message));
    expect(render(stored).every((hash) => /^[0-9a-f]{64}$/.test(hash))).toBe(true);
    expect(render(stored)).toEqual(render(set));
  });

  it("reports a missing file like a folder would, with the stored location", async () => {
    const error = await loadTemplateSetFromFiles("stored/demo", {
      "templateset.yaml": "name: demo\nresources:\n  - id: cm\n    file: cm.yaml.mustache\n",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateSetError);
    expect((error as Error).message).toContain(
      'stored/demo/templateset.yaml:4: file "cm.yaml.mustache": not found',
    );
  });

  it("refuses to record a set whose manifest changed on disk since it was loaded", async () => {
    const root = await writeSetFiles("demo", {
      "templateset.yaml": "name: demo\nresources:\n  - id: cm\n    file: cm.yaml.mustache\n",
      "cm.yaml.mustache": CONFIGMAP,
    });
    const set = await loadTemplateSet(join(root, "demo"));
    await writeFile(
      set.manifestPath,
      "name: demo\ndescription: edited\nresources:\n  - id: cm\n    file: cm.yaml.mustache\n",
    );
    await expect(templateSetFiles(set)).rejects.toThrow(
      `template set demo: ${set.manifestPath} changed since the set was loaded (version ${set.version}`,
    );
  });
});
