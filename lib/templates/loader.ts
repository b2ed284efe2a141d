import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, isAbsolute, join, normalize, resolve, sep } from "node:path";
import { type Document, LineCounter, parseDocument, visit } from "yaml";
import { TenantSyncError } from "../errors.ts";
import { describeValue } from "../values/truthy.ts";
import { checkNamespaceTemplate, checkResourceTemplate } from "./check-template.ts";
import { formatPath } from "./field-path.ts";
import { findCycles } from "./graph.ts";
import { type LoadProblem, TemplateSetError } from "./load-problem.ts";
import { allowedKeysAt, type Manifest, manifestSchema } from "./manifest-schema.ts";
import type { SelectorTerm, TemplateResource, TemplateSet } from "./model.ts";
import { lineAt } from "./template-error.ts";
import { lineOf } from "./yaml-lines.ts";

export const MANIFEST_FILE = "templateset.yaml";

/** Loads one set; throws TemplateSetError listing every problem found in it. */
export async function loadTemplateSet(dir: string): Promise<TemplateSet> {
  const { set, problems } = await readTemplateSet(dir);
  if (!set || problems.length > 0) throw new TemplateSetError(problems);
  return set;
}

/**
 * Loads one set from its files' text ({"templateset.yaml": "...", "config.yaml.mustache": "..."}) instead
 * of a folder, with exactly the checks of loadTemplateSet: how a stored older version of a set is rendered
 * again (lib/rollout). `dir` only names the set in messages; its last segment must be the set's name.
 */
export async function loadTemplateSetFromFiles(
  dir: string,
  files: Readonly<Record<string, string>>,
): Promise<TemplateSet> {
  const read: ReadText = async (file) => {
    if (Object.hasOwn(files, file)) return files[file] as string;
    throw Object.assign(new TenantSyncError(`no file "${file}" among the set's files`), { code: "ENOENT" });
  };
  const { set, problems } = await readTemplateSet(dir, read);
  if (!set || problems.length > 0) throw new TemplateSetError(problems);
  return set;
}

/**
 * Loads every set in `dir` (each sub-folder not starting with '.'), sorted by name. Problems of all sets
 * are reported together in one TemplateSetError, so no set is used while another is broken.
 */
export async function loadTemplateSets(dir: string): Promise<TemplateSet[]> {
  let entries: string[];
  try {
    const dirents = await readdir(dir, { withFileTypes: true });
    entries = dirents
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new TemplateSetError([
      {
        file: dir,
        line: undefined,
        message: `cannot read the templates folder: ${(error as Error).message}`,
      },
    ]);
  }
  const results = await Promise.all(entries.map((name) => readTemplateSet(join(dir, name))));
  const problems = results.flatMap((result) => result.problems);
  if (problems.length > 0) throw new TemplateSetError(problems);
  return results.map((result) => result.set as TemplateSet);
}

interface ReadResult {
  set: TemplateSet | undefined;
  problems: LoadProblem[];
}

/** Reads a file of the set by its path relative to the set folder. */
type ReadText = (file: string) => Promise<string>;

async function readTemplateSet(
  dir: string,
  read: ReadText = (file) => readFile(join(dir, file), "utf8"),
): Promise<ReadResult> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let manifestText: string;
  try {
    manifestText = await read(MANIFEST_FILE);
  } catch (error) {
    const message =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? `missing: every folder under the templates folder is a template set and needs a ${MANIFEST_FILE}`
        : `cannot read: ${(error as Error).message}`;
    return { set: undefined, problems: [{ file: manifestPath, line: undefined, message }] };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(manifestText, {
    lineCounter,
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
  });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({
      file: manifestPath,
      line: lineCounter.linePos(error.pos[0]).line,
      message: `invalid YAML: ${error.message}`,
    }));
    return { set: undefined, problems };
  }

  // An empty manifest has no node to point at: its problems are on line 1.
  const at = (path: readonly PropertyKey[], key?: string) => lineOf(doc, lineCounter, path, key) ?? 1;
  const problems: LoadProblem[] = [];
  const report = (path: readonly PropertyKey[], message: string, key?: string) =>
    problems.push({ file: manifestPath, line: at(path, key), message });

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    // yaml refuses to expand aliases beyond the limit (a "billion laughs" manifest) with a ReferenceError.
    let line = 1;
    visit(doc, {
      Alias(_key, node) {
        if (node.range) line = lineCounter.linePos(node.range[0]).line;
        return visit.BREAK;
      },
    });
    const message = `invalid YAML: ${(error as Error).message}`;
    return { set: undefined, problems: [{ file: manifestPath, line, message }] };
  }
  const parsed = manifestSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = formatPath(issue.path as (string | number)[]);
      if (issue.code === "unrecognized_keys") {
        const allowed = allowedKeysAt(issue.path);
        for (const key of issue.keys) {
          report(
            issue.path,
            `unknown key "${key}" in ${where || "the manifest"}; allowed keys: ${allowed.join(", ")}`,
            key,
          );
        }
      } else if (issue.code === "invalid_value") {
        const allowed = issue.values.map((value) => String(value)).join(", ");
        report(issue.path, `${where}: ${describeValue(issue.input)} is not allowed; use one of ${allowed}`);
      } else if (issue.code === "invalid_type" && issue.input === undefined) {
        report(issue.path, `${where} is required`);
      } else {
        report(issue.path, `${where ? `${where}: ` : ""}${issue.message}`);
      }
    }
  }

  // The checks below read the raw manifest leniently, so a schema problem in one place does not hide a
  // missing file or a cycle somewhere else.
  const rawManifest = isRecord(raw) ? raw : {};
  const folderName = basename(resolve(dir));
  if (typeof rawManifest.name === "string" && rawManifest.name !== folderName) {
    report(["name"], `name "${rawManifest.name}" must equal the folder name "${folderName}"`);
  }
  if (typeof rawManifest.namespace === "string") {
    for (const problem of checkNamespaceTemplate(rawManifest.namespace)) {
      report(["namespace"], `namespace template: ${problem.message}`);
    }
  }

  const rawResources = Array.isArray(rawManifest.resources) ? rawManifest.resources : [];
  const sources = await checkResources(dir, rawResources, doc, lineCounter, manifestPath, problems, read);

  if (problems.length > 0 || !parsed.success) return { set: undefined, problems };
  return { set: buildModel(dir, manifestPath, manifestText, parsed.data, sources), problems };
}

async function checkResources(
  dir: string,
  rawResources: unknown[],
  doc: Document,
  lineCounter: LineCounter,
  manifestPath: string,
  problems: LoadProblem[],
  read: ReadText,
): Promise<Map<string, string>> {
  const report = (path: readonly PropertyKey[], message: string) =>
    problems.push({ file: manifestPath, line: lineOf(doc, lineCounter, path), message });

  const nodes: { id: string; dependsOn: string[]; index: number }[] = [];
  const firstIndex = new Map<string, number>();
  for (const [index, item] of rawResources.entries()) {
    if (!isRecord(item) || typeof item.id !== "string") continue;
    const dependsOn = Array.isArray(item.dependsOn)
      ? item.dependsOn.filter((d) => typeof d === "string")
      : [];
    const first = firstIndex.get(item.id);
    if (first !== undefined) {
      report(
        ["resources", index, "id"],
        `duplicate resource id "${item.id}" (first used on line ${lineOf(doc, lineCounter, ["resources", first, "id"])})`,
      );
      continue;
    }
    firstIndex.set(item.id, index);
    nodes.push({ id: item.id, dependsOn, index });
  }

  const known = [...firstIndex.keys()];
  for (const [index, item] of rawResources.entries()) {
    if (!isRecord(item) || !Array.isArray(item.dependsOn)) continue;
    for (const [depIndex, dep] of item.dependsOn.entries()) {
      if (typeof dep === "string" && !firstIndex.has(dep)) {
        report(
          ["resources", index, "dependsOn", depIndex],
          `resource "${String(item.id)}" depends on unknown resource "${dep}"; known ids: ${known.join(", ")}`,
        );
      }
    }
  }

  for (const cycle of findCycles(nodes)) {
    const [from, to] = cycle;
    const node = nodes.find((candidate) => candidate.id === from);
    const path = node ? ["resources", node.index, "dependsOn", node.dependsOn.indexOf(to as string)] : [];
    report(path, `dependency cycle (each depends on the next): ${cycle.join(" -> ")}`);
  }

  const sources = new Map<string, string>();
  const checked = new Set<string>();
  for (const [index, item] of rawResources.entries()) {
    if (!isRecord(item) || typeof item.file !== "string" || item.file === "") continue;
    const file = item.file;
    if (checked.has(file)) continue;
    checked.add(file);
    if (isAbsolute(file) || normalize(file).split(sep).includes("..")) {
      report(["resources", index, "file"], `file "${file}" must be a path inside the template set folder`);
      continue;
    }
    const path = join(dir, file);
    let source: string;
    try {
      source = await read(file);
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (error as Error).message;
      report(["resources", index, "file"], `file "${file}": ${reason} (looked for ${path})`);
      continue;
    }
    sources.set(file, source);
    for (const problem of checkResourceTemplate(source)) {
      problems.push({
        file: path,
        line: problem.offset === undefined ? undefined : lineAt(source, problem.offset),
        message: problem.message,
      });
    }
  }
  return sources;
}

function buildModel(
  dir: string,
  manifestPath: string,
  manifestText: string,
  manifest: Manifest,
  sources: Map<string, string>,
): TemplateSet {
  const resources: TemplateResource[] = manifest.resources.map((resource) => ({
    id: resource.id,
    file: resource.file,
    path: join(dir, resource.file),
    source: sources.get(resource.file) as string,
    dependsOn: resource.dependsOn,
    creation: resource.creation,
    deletion: resource.deletion,
    conflict: resource.conflict,
    readiness: {
      wait: resource.readiness.wait,
      timeoutSeconds: resource.readiness.timeoutSeconds,
      ...(resource.readiness.condition ? { condition: resource.readiness.condition } : {}),
    },
    ignoreFields: resource.ignoreFields,
    skipOnDependencyFailure: resource.skipOnDependencyFailure,
  }));
  const selector: SelectorTerm[] = manifest.selector.map((term) => {
    if (term.in !== undefined) return { column: term.column, op: "in", values: term.in };
    if (Object.hasOwn(term, "equals"))
      return { column: term.column, op: "equals", value: term.equals ?? null };
    return { column: term.column, op: "truthy", value: term.truthy as boolean };
  });
  return {
    name: manifest.name,
    description: manifest.description,
    dir,
    manifestPath,
    version: setVersion(manifestText, sources),
    namespaceTemplate: manifest.namespace,
    selector,
    resources,
  };
}

/**
 * Short sha256 over the manifest and every resource file (by file name, sorted), each length-prefixed so
 * moving text between files changes the version. Depends only on file contents, not on paths or times.
 */
export function setVersion(manifestText: string, sources: ReadonlyMap<string, string>): string {
  const hash = createHash("sha256");
  const add = (name: string, text: string) => {
    const bytes = Buffer.from(text, "utf8");
    hash.update(`${name}\u0000${bytes.length}\u0000`);
    hash.update(bytes);
  };
  add(MANIFEST_FILE, manifestText);
  for (const file of [...sources.keys()].sort()) add(`file:${file}`, sources.get(file) as string);
  return hash.digest("hex").slice(0, 12);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
