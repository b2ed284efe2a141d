import fc from "fast-check";

/**
 * Pieces of text that mean something to YAML, JSON, mustache, terminals or Unicode: the material an attacker
 * (or an unlucky row) would use to change a manifest if values were pasted into YAML text.
 */
export const HOSTILE_PIECES: readonly string[] = [
  // YAML structure and documents
  "---",
  "...",
  "\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: evil\n",
  "\nkind: Secret",
  "\n  evil: true",
  ": ",
  "key: value",
  "- item",
  "? complex",
  "#comment",
  " # trailing comment",
  "|",
  ">-",
  "{evil: true}",
  "[1, 2]",
  ",",
  '"',
  "'",
  "\\",
  '\\"',
  "%YAML 1.1",
  "%TAG ! tag:evil.example,2000:",
  "@",
  "`",
  // anchors, aliases, merges, tags
  "&anchor",
  "*alias",
  "&a [*a]",
  "<<: *x",
  "!!python/object/apply:os.system ['id']",
  "!!binary aGVsbG8=",
  "!!str",
  "!local",
  "!<tag:yaml.org,2002:str>",
  // scalars YAML would retype
  "true",
  "no",
  "null",
  "~",
  "1e3",
  "0x1F",
  "0o17",
  ".inf",
  ".nan",
  "2026-01-01",
  "",
  // JSON
  '{"apiVersion":"v1"}',
  '"key": "value"',
  "__proto__",
  "constructor",
  "toString",
  // mustache
  "{{",
  "}}",
  "{{{",
  "}}}",
  "{{value}}",
  "{{{value}}}",
  "{{&value}}",
  "{{#value}}x{{/value}}",
  "{{^value}}",
  "{{/value}}",
  "{{>partial}}",
  "{{=<% %>=}}",
  "{{tenant.key}}",
  "{{! comment }}",
  // lookalikes of the renderer's own placeholder tokens
  "tsv0x",
  "tsvabc123x0x",
  // control characters and line breaks
  "\u0000",
  "\u0001",
  "\u0007",
  "\u001b[31m",
  "\u007f",
  "\r",
  "\n",
  "\r\n",
  "\t",
  "\u0085",
  "\u2028",
  "\u2029",
  // Unicode: RTL marks and overrides, BOM, zero-width, surrogate pairs, lone surrogates, combining marks
  "\u200f",
  "\u202e",
  "\u2066",
  "\ufeff",
  "\u200b",
  "🚀",
  "👩‍👩‍👧",
  "\ud800",
  "\udfff",
  "e\u0301",
  "Zürich",
  "東京",
  "ﬁ",
  "İ",
];

const anyUtf16Unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** A string mixing hostile pieces with arbitrary code points and arbitrary UTF-16 units (lone surrogates). */
export const hostileString: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_PIECES) },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
      { weight: 1, arbitrary: fc.string({ unit: anyUtf16Unit, maxLength: 6 }) },
      { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(""));

/** About `length` characters of repeated hostile material (the repetition differs between runs). */
export function longHostileString(length = 10_000): fc.Arbitrary<string> {
  return fc.array(hostileString, { minLength: 1, maxLength: 4 }).map((parts) => {
    const unit = parts.join("") || "x";
    return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  });
}

/** Runs per property: enough to find the usual suspects, cheap enough for a shared 2-core machine. */
export const RUNS = Number(process.env.TENANT_SYNC_PROPERTY_RUNS ?? 200);
