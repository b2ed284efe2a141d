import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../lib/templates/canonical.ts";
import { hash8, toDnsLabel, toDnsSubdomain, truncateWithHash } from "../../lib/templates/helpers.ts";
import { labelValueProblem } from "../../lib/templates/k8s-names.ts";
import { loadTemplateSet } from "../../lib/templates/loader.ts";
import type { TemplateSet } from "../../lib/templates/model.ts";
import { renderTenant, type TenantRender } from "../../lib/templates/render.ts";
import { RenderError } from "../../lib/templates/render-error.ts";
import { hostileString, longHostileString, RUNS } from "./hostile-arbitraries.ts";
import { type Loose, removeTempSets, writeSetFiles } from "./template-fixtures.ts";

// A fixed set that puts tenant values everywhere a template can: names and labels through helpers,
// annotations, ConfigMap data in every scalar style, a mapping key, Deployment env vars and args.
const FILES = {
  "templateset.yaml": `name: hostile
namespace: "{{#dnsLabel}}ht-{{slug}}{{/dnsLabel}}"
resources:
  - id: config
    file: config.yaml.mustache
  - id: app
    file: app.yaml.mustache
  - id: labelled
    file: labelled.yaml.mustache
  - id: keyed
    file: keyed.yaml.mustache
`,
  "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{#dnsSubdomain}}cfg-{{slug}}{{/dnsSubdomain}}
  labels:
    example.com/tenant: {{#dnsLabel}}{{slug}}{{/dnsLabel}}
    example.com/hash: {{#hash8}}{{value}}{{/hash8}}
  annotations:
    example.com/plain: {{value}}
    example.com/quoted: "{{value}}"
    example.com/single: '{{value}}'
    example.com/embedded: "pre {{value}} post"
    example.com/upper: {{#upper}}{{value}}{{/upper}}
    example.com/key: "{{tenant.key}}"
    example.com/json: {{#json}}{{settings}}{{/json}}
data:
  plain: {{value}}
  quoted: "{{value}}"
  tagged: !!str {{value}}
  block: |
    {{value}}
  folded: >-
    {{value}}
  base64: {{#base64}}{{value}}{{/base64}}
  trunc: {{#trunc63}}{{value}}{{/trunc63}}
  items: "{{#items}}[{{.}}]{{/items}}"
  flow: {inner: {{value}}, list: [{{value}}, fixed]}
`,
  "app.yaml.mustache": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  labels:
    app.kubernetes.io/instance: {{#dnsLabel}}{{slug}}{{/dnsLabel}}
spec:
  replicas: {{replicas}}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: "nginx:1.27"
          args: ["--value={{value}}", {{value}}]
          env:
            - name: TENANT_VALUE
              value: "{{value}}"
            - name: TENANT_PLAIN
              value: {{value}}
            - name: TENANT_NAME
              value: "{{settings.name}}"
`,
  "labelled.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: labelled
  labels:
    example.com/raw: "{{value}}"
`,
  "keyed.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: keyed
data:
  {{value}}: from-key
  fixed: constant
`,
};

interface Tenant {
  key: string;
  slug: string;
  value: string;
  name: string;
  replicas: number;
}

const rowOf = (t: Tenant) => ({
  slug: t.slug,
  value: t.value,
  replicas: t.replicas,
  settings: { name: t.name, nested: { [t.value]: t.value, list: [t.value, 1, null] } },
  items: [t.value, "second"],
});

/** What each resource must be, computed here from the values and the helpers' definitions. */
function expectedObjects(t: Tenant): Record<string, Loose> {
  const v = t.value;
  return {
    config: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: toDnsSubdomain(`cfg-${t.slug}`),
        labels: { "example.com/tenant": toDnsLabel(t.slug), "example.com/hash": hash8(v) },
        annotations: {
          "example.com/plain": v,
          "example.com/quoted": v,
          "example.com/single": v,
          "example.com/embedded": `pre ${v} post`,
          "example.com/upper": v.toUpperCase(),
          "example.com/key": t.key,
          "example.com/json": canonicalJson(rowOf(t).settings),
        },
      },
      data: {
        plain: v,
        quoted: v,
        tagged: v,
        block: `${v}\n`,
        folded: v,
        base64: Buffer.from(v, "utf8").toString("base64"),
        trunc: truncateWithHash(v, 63),
        items: `[${v}][second]`,
        flow: { inner: v, list: [v, "fixed"] },
      },
    },
    app: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "app", labels: { "app.kubernetes.io/instance": toDnsLabel(t.slug) } },
      spec: {
        replicas: t.replicas,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [
              {
                name: "web",
                image: "nginx:1.27",
                args: [`--value=${v}`, v],
                env: [
                  { name: "TENANT_VALUE", value: v },
                  { name: "TENANT_PLAIN", value: v },
                  { name: "TENANT_NAME", value: t.name },
                ],
              },
            ],
          },
        },
      },
    },
    labelled: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "labelled", labels: { "example.com/raw": v } },
    },
    keyed: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "keyed" },
      data: { [v]: "from-key", fixed: "constant" },
    },
  };
}

/** Why a resource may fail for these values; undefined means it must render. */
function allowedFailure(t: Tenant, resourceId: string): RegExp | undefined {
  if (resourceId === "config" || resourceId === "app") {
    return toDnsLabel(t.slug) === "" ? /helper dnsLabel produced an empty name/ : undefined;
  }
  if (resourceId === "labelled") {
    return labelValueProblem(t.value)
      ? /metadata\.labels\["example\.com\/raw"\]: value .* is invalid/s
      : undefined;
  }
  if (resourceId === "keyed") return t.value === "fixed" ? /key "fixed" appears twice/ : undefined;
  return undefined;
}

/** Every path from the root to a leaf, with the leaf's type: the shape, without the values. */
function shape(value: unknown, path = "$", out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) shape(item, `${path}[${index}]`, out);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) shape(item, `${path}.${JSON.stringify(key)}`, out);
  } else out.push(`${path}:${typeof value}`);
  return out.sort();
}

const benign: Tenant = { key: "benign", slug: "benign", value: "benign", name: "benign", replicas: 2 };

describe("rendering hostile tenant values", () => {
  let set: TemplateSet;
  let benignRender: TenantRender;

  beforeAll(async () => {
    set = await loadTemplateSet(`${await writeSetFiles("hostile", FILES)}/hostile`);
    benignRender = renderTenant(set, rowOf(benign), benign.key, "local");
    expect(benignRender.resources.every((r) => r.ok)).toBe(true);
  });
  afterAll(removeTempSets);

  /** The whole property: a clear error, or exactly the expected object with the benign render's shape. */
  function check(t: Tenant): void {
    const render = renderTenant(set, rowOf(t), t.key, "local");
    const expected = expectedObjects(t);
    expect(render.resources.map((r) => r.resourceId)).toEqual(
      benignRender.resources.map((r) => r.resourceId),
    );
    expect(render.defaultNamespace).toBe(toDnsLabel(`ht-${t.slug}`));
    for (const resource of render.resources) {
      const allowed = allowedFailure(t, resource.resourceId);
      if (!resource.ok) {
        expect(resource.error).toBeInstanceOf(RenderError);
        expect(allowed, `${resource.resourceId} failed: ${resource.error.message}`).toBeDefined();
        const { message, details } = resource.error;
        expect(message).toMatch(allowed as RegExp);
        expect(
          message.startsWith(
            `tenant ${JSON.stringify(t.key)}, template set hostile, resource ${resource.resourceId} (`,
          ),
        ).toBe(true);
        expect(details.file).toMatch(new RegExp(`hostile/${resource.resourceId}\\.yaml\\.mustache$`));
        expect(details.line).toBeGreaterThan(0);
        expect(message).toContain(`${details.file}:${details.line}): `);
        if (resource.resourceId === "labelled")
          expect(details.fieldPath).toBe('metadata.labels["example.com/raw"]');
        continue;
      }
      expect(allowed, `${resource.resourceId} rendered although it should fail`).toBeUndefined();
      expect(resource.object).toEqual(expected[resource.resourceId]);
      if (resource.resourceId !== "keyed") {
        const before = benignRender.resources.find((r) => r.resourceId === resource.resourceId);
        expect(shape(resource.object)).toEqual(shape(before?.ok ? before.object : undefined));
      }
    }
  }

  const tenant = (value: fc.Arbitrary<string>) =>
    fc.record({
      key: fc.oneof(hostileString, fc.constant("acme")),
      slug: fc.oneof(hostileString, fc.constantFrom("acme", "Acme Corp", "ACME!", "!!!")),
      value,
      name: hostileString,
      replicas: fc.integer({ min: 0, max: 1000 }),
    });

  it("every value lands exactly where the template put it, as data (property)", () => {
    fc.assert(fc.property(tenant(hostileString), check), { numRuns: RUNS });
  });

  it("very long values (10,000 characters) too (property)", () => {
    fc.assert(fc.property(tenant(longHostileString(10_000)), check), { numRuns: Math.max(10, RUNS / 10) });
  });

  it.each([
    ["document separator", "---\napiVersion: v1\nkind: Secret\nmetadata: {name: evil}"],
    ["document end", "...\n---"],
    ["new key at top level", "x\nkind: Secret"],
    ["anchor and alias", "&anchor\n*alias"],
    ["merge key", "<<: *x"],
    ["python tag", "!!python/object/apply:os.system ['id']"],
    ["triple mustache", "{{{value}}}"],
    ["NUL and CR", "a\u0000b\rc\td"],
    ["surrogate pair and RTL override", "🚀\u202eevil\u200f"],
    ["lone surrogate", "\ud800x\udfff"],
  ])("%s: no injected key, no other document", (_name, value) => {
    check({ key: value, slug: value, value, name: value, replicas: 1 });
  });

  it("plain position keeps a text column text, even when it reads like YAML", () => {
    for (const value of ["true", "1e3", "null", "~", "0x1F", ".inf", "2026-01-01"]) {
      const render = renderTenant(set, rowOf({ ...benign, value }), "k", "local");
      const config = render.resources.find((r) => r.resourceId === "config");
      expect(config?.ok && (config.object as Loose).data.plain).toBe(value);
    }
  });

  it("names that collide after sanitising: different tenants get the same object names", () => {
    const names = ["Acme", "acme", "ACME!", " acme ", "ÀCMÉ"].map((slug) => {
      const render = renderTenant(set, rowOf({ ...benign, key: slug, slug }), slug, "local");
      const config = render.resources.find((r) => r.resourceId === "config");
      return [render.defaultNamespace, config?.ok ? config.object.metadata.name : undefined];
    });
    expect(new Set(names.map((pair) => pair.join("/")))).toEqual(new Set(["ht-acme/cfg-acme"]));
  });
});
