import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_POLICY } from "../../lib/kube/policy.ts";
import type { TemplateResource, TemplateSet } from "../../lib/templates/model.ts";

/** A row like the source adapter returns it: database types kept. */
export function sampleRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    slug: "acme",
    display_name: "Acme Corp",
    plan: "pro",
    replicas: 3,
    host: "acme.example.com",
    cpu_limit: "2",
    memory_limit: "4Gi",
    settings: { theme: "dark", features: ["sso", "audit"], limits: { users: 50 } },
    active: true,
    ...overrides,
  };
}

/** A set built in memory, for render tests that are not about loading. */
export function inlineSet(
  resources: Record<string, string | { source: string; dependsOn?: string[] }>,
  options: { name?: string; namespace?: string } = {},
): TemplateSet {
  const name = options.name ?? "demo";
  const list: TemplateResource[] = Object.entries(resources).map(([id, spec]) => {
    const { source, dependsOn = [] } = typeof spec === "string" ? { source: spec } : spec;
    return {
      id,
      file: `${id}.yaml.mustache`,
      path: `templates/${name}/${id}.yaml.mustache`,
      source,
      dependsOn,
      ...DEFAULT_POLICY,
    };
  });
  return {
    name,
    description: "",
    dir: `templates/${name}`,
    manifestPath: `templates/${name}/templateset.yaml`,
    version: "000000000000",
    namespaceTemplate: options.namespace,
    selector: [],
    resources: list,
  };
}

/** The repository's example sets, wherever the tests are run from. */
export const EXAMPLE_TEMPLATES = fileURLToPath(new URL("../../templates", import.meta.url));

const tempRoots: string[] = [];

/** Writes files under a fresh temp folder and returns the folder holding the set folder `name`. */
export async function writeSetFiles(name: string, files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "tenant-sync-templates-"));
  tempRoots.push(root);
  for (const [file, text] of Object.entries(files)) {
    const path = join(root, name, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  return root;
}

export async function removeTempSets(): Promise<void> {
  await Promise.all(tempRoots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}

export const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  a: "1"
`;

/** Rendered objects as tests read them, indexing deep into shapes the assertions then check. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions, not the type, say what the shape is
export type Loose = any;
