import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar } from "yaml";
import { formatPath, type PathSegment } from "./field-path.ts";
import type { JsonObject, JsonValue } from "./json-value.ts";
import { TemplateError } from "./template-error.ts";
import type { TokenTable } from "./tokens.ts";
import type { Rendered } from "./writer.ts";

export interface SubstitutedObject {
  object: JsonObject;
  /** Template offset of the node at a formatted field path, for errors about that field. */
  offsetOf(path: readonly PathSegment[]): number | undefined;
}

/**
 * Parses rendered template text as exactly one YAML document, then builds the object with every token
 * replaced by its value. Values enter only here, after parsing, as finished data: no character in a value
 * can reach the YAML parser, so none can add a key, an object or a document.
 */
export function parseAndSubstitute(rendered: Rendered, table: TokenTable): SubstitutedObject {
  const docs = parseAllDocuments(rendered.text, {
    version: "1.2",
    schema: "core",
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
  });
  if (docs.length === 0) throw new TemplateError("the template renders no YAML document", { offset: 0 });
  for (const doc of docs) {
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) {
      throw new TemplateError(`rendered YAML is invalid: ${problem.message}`, {
        offset: rendered.origin(problem.pos[0]),
      });
    }
  }
  const second = docs[1];
  if (second) {
    throw new TemplateError(
      `the template renders ${docs.length} YAML documents; a template must render exactly one object`,
      { offset: rendered.origin(second.range[0]) },
    );
  }
  const doc = docs[0];
  if (!doc || doc.contents === null)
    throw new TemplateError("the template renders an empty document", { offset: 0 });

  // Offsets in the rendered text; mapped back to the template only when an error asks.
  const locations = new Map<string, number>();
  const walk = (node: unknown, path: PathSegment[]): JsonValue => {
    const at = nodeStart(node);
    const pathKey = formatPath(path);
    if (at !== undefined && !locations.has(pathKey)) locations.set(pathKey, at);
    const where = (): Where => ({
      offset: at === undefined ? undefined : rendered.origin(at),
      path: pathKey,
    });
    if (node === null || node === undefined) return null;
    if (isAlias(node))
      throw new TemplateError("YAML aliases (*name) are not supported in templates", where());
    if (isScalar(node)) return scalarValue(node, table, where);
    if (isSeq(node)) return node.items.map((item, index) => walk(item, [...path, index]));
    if (isMap(node)) {
      const entries: [string, JsonValue][] = [];
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyString(pair.key, table, where);
        if (seen.has(key)) {
          throw new TemplateError(`key ${JSON.stringify(key)} appears twice after substitution`, where());
        }
        seen.add(key);
        const childPath = [...path, key];
        // A field is reported at its key's line: for nested mappings the value starts a line later.
        const keyAt = nodeStart(pair.key);
        if (keyAt !== undefined) locations.set(formatPath(childPath), keyAt);
        entries.push([key, walk(pair.value, childPath)]);
      }
      // fromEntries defines properties, so a key spelled "__proto__" stays an ordinary key.
      return Object.fromEntries(entries);
    }
    throw new TemplateError("unsupported YAML node", where());
  };

  const object = walk(doc.contents, []);
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw new TemplateError("the template must render a YAML mapping (a Kubernetes object)", { offset: 0 });
  }
  return {
    object,
    offsetOf: (path) => {
      const at = locations.get(formatPath(path));
      return at === undefined ? undefined : rendered.origin(at);
    },
  };
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : undefined;
}

/**
 * A plain scalar that is exactly one token becomes the value with its own type (number, boolean, null,
 * object). Quoted, block or tagged scalars asked for text, so the value is put in as text.
 */
type Where = { offset: number | undefined; path: string };

function scalarValue(node: Scalar, table: TokenTable, where: () => Where): JsonValue {
  const value: unknown = node.value;
  if (typeof value === "string") {
    if (!table.contains(value)) return value;
    const exact = table.exact(value);
    if (exact && node.type === Scalar.PLAIN && !node.tag) return structuredClone(exact.value);
    return table.resolve(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TemplateError(`${value} cannot be represented in JSON`, where());
    return value;
  }
  if (typeof value === "boolean" || value === null) return value;
  throw new TemplateError(`unsupported YAML value of type ${typeof value}`, where());
}

function keyString(key: unknown, table: TokenTable, where: () => Where): string {
  if (!isScalar(key)) throw new TemplateError("mapping keys must be scalars", where());
  const value: unknown = key.value;
  if (typeof value === "string") return table.resolve(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new TemplateError("mapping keys must not be empty", where());
}
