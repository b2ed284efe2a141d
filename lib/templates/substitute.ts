import { type Document, isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar } from "yaml";
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
  const doc = parsedDocument(rendered);

  // One path, pushed and popped as the walk goes; formatted only when an error is thrown.
  const path: PathSegment[] = [];
  const walk = (node: unknown): JsonValue => {
    const where = (): Where => {
      const at = nodeStart(node);
      return { offset: at === undefined ? undefined : rendered.origin(at), path: formatPath(path) };
    };
    if (node === null || node === undefined) return null;
    if (isAlias(node))
      throw new TemplateError("YAML aliases (*name) are not supported in templates", where());
    if (isScalar(node)) return scalarValue(node, table, where);
    if (isSeq(node)) {
      return node.items.map((item, index) => {
        path.push(index);
        const value = walk(item);
        path.pop();
        return value;
      });
    }
    if (isMap(node)) {
      const entries: [string, JsonValue][] = [];
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyString(pair.key, table, where);
        if (seen.has(key)) {
          throw new TemplateError(`key ${JSON.stringify(key)} appears twice after substitution`, where());
        }
        seen.add(key);
        path.push(key);
        entries.push([key, walk(pair.value)]);
        path.pop();
      }
      // fromEntries defines properties, so a key spelled "__proto__" stays an ordinary key.
      return Object.fromEntries(entries);
    }
    throw new TemplateError("unsupported YAML node", where());
  };

  const object = walk(doc.contents);
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw new TemplateError("the template must render a YAML mapping (a Kubernetes object)", { offset: 0 });
  }
  return {
    object,
    offsetOf: (fieldPath) => {
      const at = offsetInDocument(doc.contents, fieldPath, table);
      return at === undefined ? undefined : rendered.origin(at);
    },
  };
}

/**
 * Where the field at `path` starts in the rendered text: a mapping's field at its key (for nested mappings
 * the value starts a line later), a list item at the item. Looked up only when an error asks.
 */
function offsetInDocument(
  root: unknown,
  path: readonly PathSegment[],
  table: TokenTable,
): number | undefined {
  let node = root;
  let at = nodeStart(root);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && table.resolve(String(item.key.value)) === segment,
      );
      if (!pair) return undefined;
      at = nodeStart(pair.key) ?? nodeStart(pair.value);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      at = nodeStart(node);
    } else {
      return undefined;
    }
  }
  return at;
}

/**
 * Parsed documents by rendered text. Tenants of one template usually render the same text (their values are
 * tokens, see tokens.ts), so a fleet costs one YAML parse per template shape instead of one per object; the
 * walk below only reads the document. Only valid documents are kept; errors are parsed again, so each error
 * is located with its own render's offsets.
 */
const PARSE_CACHE_SIZE = 512;
const parsedByText = new Map<string, Document.Parsed>();

function parsedDocument(rendered: Rendered): Document.Parsed {
  const cached = parsedByText.get(rendered.text);
  if (cached) {
    // Map order is insertion order: re-inserting keeps the most recently used last, for the eviction below.
    parsedByText.delete(rendered.text);
    parsedByText.set(rendered.text, cached);
    return cached;
  }
  const doc = parseOneDocument(rendered);
  parsedByText.set(rendered.text, doc);
  if (parsedByText.size > PARSE_CACHE_SIZE) parsedByText.delete(parsedByText.keys().next().value as string);
  return doc;
}

function parseOneDocument(rendered: Rendered): Document.Parsed {
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
  return doc;
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
