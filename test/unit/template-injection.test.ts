import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTemplateSet } from "../../lib/templates/loader.ts";
import type { RenderedResource, TenantRender } from "../../lib/templates/render.ts";
import { renderTenant } from "../../lib/templates/render.ts";
import { TokenTable } from "../../lib/templates/tokens.ts";
import { EXAMPLE_TEMPLATES, inlineSet, type Loose, sampleRow } from "./template-fixtures.ts";

// Values a tenant might hold, deliberately or not, that would change a manifest if pasted into YAML text.
const HOSTILE: Record<string, string> = {
  "newline and key": "x\n  evil: true",
  "newline at top": "x\nkind: Secret",
  "double quote": 'a"b',
  "closing double quote": '"\nevil: true\n"',
  "single quote": "it's",
  "closing single quote": "'\nevil: true\n'",
  "document separator": "---\nkind: Secret",
  "document end": "...\n---\napiVersion: v1",
  "mustache tag": "{{other}}",
  "triple mustache": "{{{other}}}",
  "closing braces": "}}",
  comment: "# not a comment",
  "colon space": "a: b",
  "flow mapping": "{evil: true}",
  "flow sequence": "[1, 2]",
  "block indicator": "|\n  evil",
  "folded indicator": ">",
  "anchor and alias": "&a x\n*a",
  tag: "!!binary aGVsbG8=",
  directive: "%YAML 1.1",
  "list item": "- evil",
  "yaml boolean": "true",
  "yaml null": "null",
  "yaml number": "1e3",
  empty: "",
  spaces: "  padded  ",
  "tabs and crlf": "a\tb\r\nc",
  unicode: "Zürich 東京 🚀 \u2028 \u202e",
  nul: "a\u0000b",
  "control chars": "\u0001\u0007\u001b[31m",
  "backslash escapes": '\\n\\u0000\\"',
  "token lookalike": "tsv0x0x tsvabcx1x",
  // The real tokens of this process: values are substituted once, never read for tokens again.
  "this process's tokens": `${new TokenTable().prefix}0x ${new TokenTable().prefix}1x`,
  "proto key": "__proto__",
};

// Every kind of place a variable can stand in YAML text.
const TEMPLATE = [
  "apiVersion: v1",
  "kind: ConfigMap",
  "metadata:",
  "  name: cm",
  "  annotations:",
  "    example.com/plain: {{value}}",
  '    example.com/double: "{{value}}"',
  "    example.com/single: '{{value}}'",
  "    example.com/embedded: pre {{value}} post",
  "    example.com/base64: {{#base64}}{{value}}{{/base64}}",
  "data:",
  "  block: |",
  "    {{value}}",
  "  folded: >-",
  "    {{value}}",
  "  flowSeq: [{{value}}, second]",
  "  flowMap: {inner: {{value}}}",
  "  nested:",
  "    - item: {{value}}",
  "      other: fixed",
  "",
].join("\n");

function leaves(value: unknown, path = "", out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) leaves(item, `${path}[${index}]`, out);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) leaves(item, `${path}.${key}`, out);
  } else out.push(`${path}:${typeof value}`);
  return out.sort();
}

function renderedObject(render: TenantRender, id = "x"): Loose {
  const resource = render.resources.find((candidate) => candidate.resourceId === id);
  if (!resource?.ok) throw new Error(resource ? resource.error.message : `no resource ${id}`);
  return resource.object;
}

describe("values never change structure", () => {
  const set = inlineSet({ x: TEMPLATE });
  const benign = renderedObject(renderTenant(set, { value: "benign" }, "t", "c"));

  it("benign value renders where expected", () => {
    expect(benign.metadata.annotations["example.com/plain"]).toBe("benign");
    expect(benign.data.block).toBe("benign\n");
    expect(benign.data.nested).toEqual([{ item: "benign", other: "fixed" }]);
  });

  it.each(Object.entries(HOSTILE))(
    "%s: same keys as a benign value, and the exact string",
    (_name, value) => {
      const object = renderedObject(renderTenant(set, { value }, "t", "c"));
      expect(leaves(object)).toEqual(leaves(benign));
      const annotations = object.metadata.annotations;
      expect(annotations["example.com/plain"]).toBe(value);
      expect(annotations["example.com/double"]).toBe(value);
      expect(annotations["example.com/single"]).toBe(value);
      expect(annotations["example.com/embedded"]).toBe(`pre ${value} post`);
      expect(Buffer.from(annotations["example.com/base64"], "base64").toString("utf8")).toBe(value);
      expect(object.data.block).toBe(`${value}\n`);
      expect(object.data.folded).toBe(value);
      expect(object.data.flowSeq).toEqual([value, "second"]);
      expect(object.data.flowMap).toEqual({ inner: value });
      expect(object.data.nested).toEqual([{ item: value, other: "fixed" }]);
      expect(object.kind).toBe("ConfigMap");
      expect(Object.getPrototypeOf(object.data.flowMap)).toBe(Object.prototype);
    },
  );

  it("a hostile value in a key position stays one key", () => {
    const keyed = inlineSet({
      x: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  {{value}}: fixed\n",
    });
    for (const value of Object.values(HOSTILE).filter((v) => v !== "")) {
      const object = renderedObject(renderTenant(keyed, { value }, "t", "c"));
      expect(Object.keys(object.data)).toEqual([value]);
      expect(object.data[value]).toBe("fixed");
    }
  });

  it("JSON values keep hostile keys and strings as data under their key", () => {
    const settings = { "a\nb: c": "---\nkind: Secret", __proto__x: ["{{x}}"], nested: { "#": "}}" } };
    const json = inlineSet({
      x: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  s: {{settings}}\n",
    });
    const object = renderedObject(renderTenant(json, { settings }, "t", "c"));
    expect(object.data).toEqual({ s: settings });
  });

  it("hostile values through the example set give the same objects as benign ones", () => {
    return loadTemplateSet(join(EXAMPLE_TEMPLATES, "webapp")).then((webapp) => {
      const shapes = (render: TenantRender) =>
        render.resources.map((resource) => [
          resource.resourceId,
          leaves((resource as RenderedResource).object),
        ]);
      const benignRender = renderTenant(webapp, sampleRow(), "acme", "c");
      for (const value of Object.values(HOSTILE)) {
        const render = renderTenant(
          webapp,
          sampleRow({ display_name: value, cpu_limit: value }),
          "acme",
          "c",
        );
        expect(render.resources.every((resource) => resource.ok)).toBe(true);
        expect(shapes(render)).toEqual(shapes(benignRender));
        const configmap = render.resources.find(
          (resource) => resource.resourceId === "configmap",
        ) as RenderedResource;
        expect(configmap.object.data).toMatchObject({ TENANT_NAME: value });
      }
    });
  });
});
