import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash } from "../../lib/templates/canonical.ts";
import { loadTemplateSet } from "../../lib/templates/loader.ts";
import type { KubeObject } from "../../lib/templates/model.ts";
import { type RenderedResource, renderTenant, type TenantRender } from "../../lib/templates/render.ts";
import { RenderError } from "../../lib/templates/render-error.ts";
import { EXAMPLE_TEMPLATES, inlineSet, type Loose, sampleRow } from "./template-fixtures.ts";

const webapp = await loadTemplateSet(join(EXAMPLE_TEMPLATES, "webapp"));

function objects(render: TenantRender): Record<string, KubeObject> {
  const failed = render.resources.filter((resource) => !resource.ok);
  if (failed.length > 0)
    throw new Error(failed.map((resource) => !resource.ok && resource.error.message).join("\n"));
  return Object.fromEntries(
    render.resources.map((resource) => [resource.resourceId, (resource as RenderedResource).object]),
  );
}

function only(render: TenantRender, id = "x"): KubeObject {
  const object = objects(render)[id];
  if (!object) throw new Error(`no resource ${id}`);
  return object;
}

function errorOf(render: TenantRender, id = "x"): RenderError {
  const resource = render.resources.find((candidate) => candidate.resourceId === id);
  if (!resource || resource.ok) throw new Error(`resource ${id} did not fail`);
  return resource.error;
}

const configMap = (data: string, extraMetadata = "") =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n${extraMetadata}data:\n${data}`;

describe("renderTenant with the example webapp set", () => {
  const render = renderTenant(webapp, sampleRow(), "acme", "eu-1");
  const rendered = objects(render);

  it("renders every resource, dependencies first", () => {
    expect(render).toMatchObject({
      tenantKey: "acme",
      cluster: "eu-1",
      templateSet: "webapp",
      version: webapp.version,
      defaultNamespace: "tenant-acme",
    });
    const order = render.resources.map((resource) => resource.resourceId);
    expect(order[0]).toBe("namespace");
    for (const dep of ["configmap", "secret", "serviceaccount"]) {
      expect(order.indexOf(dep)).toBeLessThan(order.indexOf("deployment"));
    }
    expect(order.indexOf("service")).toBeLessThan(order.indexOf("ingress"));
    expect(order).toHaveLength(9);
  });

  it("fills values with their types", () => {
    expect(rendered.namespace?.metadata).toEqual({
      name: "tenant-acme",
      labels: {
        "app.kubernetes.io/part-of": "webapp",
        "example.com/tenant": "acme",
        "example.com/plan": "pro",
      },
      annotations: { "example.com/display-name": "Acme Corp" },
    });
    const deployment = rendered.deployment as Loose;
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: "2", memory: "4Gi" });
    expect(rendered.configmap?.data).toEqual({
      TENANT_SLUG: "acme",
      TENANT_NAME: "Acme Corp",
      TENANT_PLAN: "pro",
      TENANT_ACTIVE: "true",
      PUBLIC_URL: "https://acme.example.com/",
      "settings.json": '{"features":["sso","audit"],"limits":{"users":50},"theme":"dark"}',
    });
    expect(rendered.secret?.data).toEqual({
      DATABASE_SCHEMA: Buffer.from("tenant_acme").toString("base64"),
      TENANT_KEY: Buffer.from("acme").toString("base64"),
    });
    expect((rendered.ingress as Loose).spec.rules[0].host).toBe("acme.example.com");
  });

  it("leaves the namespace to the applier and hashes each object", () => {
    expect(rendered.configmap?.metadata.namespace).toBeUndefined();
    for (const resource of render.resources as RenderedResource[]) {
      expect(resource.hash).toBe(contentHash(resource.object));
    }
  });

  it("is deterministic: same input, byte-identical canonical output, whatever the row's key order", () => {
    const again = renderTenant(webapp, sampleRow(), "acme", "eu-1");
    const reordered = renderTenant(
      webapp,
      Object.fromEntries(
        Object.entries(
          sampleRow({ settings: { limits: { users: 50 }, theme: "dark", features: ["sso", "audit"] } }),
        ).reverse(),
      ),
      "acme",
      "eu-1",
    );
    expect(canonicalJson(again)).toBe(canonicalJson(render));
    expect(canonicalJson(reordered)).toBe(canonicalJson(render));
    const other = renderTenant(webapp, sampleRow({ replicas: 4 }), "acme", "eu-1");
    const hashOf = (r: TenantRender, id: string) =>
      (r.resources.find((resource) => resource.resourceId === id) as RenderedResource).hash;
    expect(hashOf(other, "deployment")).not.toBe(hashOf(render, "deployment"));
    expect(hashOf(other, "configmap")).toBe(hashOf(render, "configmap"));
  });

  it("shortens a long slug into a valid namespace with a stable hash", () => {
    const slug = "a-very-long-tenant-slug-that-goes-on-and-on-and-on-beyond-sixty-three";
    const long = renderTenant(webapp, sampleRow({ slug }), "long", "eu-1");
    expect(long.defaultNamespace).toMatch(/^tenant-a-very-long-tenant-slug-.*-[0-9a-f]{8}$/);
    expect(long.defaultNamespace?.length).toBeLessThanOrEqual(63);
    expect(renderTenant(webapp, sampleRow({ slug }), "long", "eu-1").defaultNamespace).toBe(
      long.defaultNamespace,
    );
  });
});

describe("typed values", () => {
  const row = {
    num: 42,
    flag: false,
    nothing: null,
    word: "true",
    digits: "0123",
    settings: { theme: "dark", nested: { list: [1, "two", null] } },
    list: ["a", "b"],
    created: new Date("2024-05-06T07:08:09.010Z"),
    big: 12345678901234567890n,
    small: 7n,
  };
  const data = [
    "  num: {{num}}",
    "  flag: {{flag}}",
    "  nothing: {{nothing}}",
    "  word: {{word}}",
    "  digits: {{digits}}",
    "  settings: {{settings}}",
    "  list: {{list}}",
    "  created: {{created}}",
    "  big: {{big}}",
    "  small: {{small}}",
    '  quotedNum: "{{num}}"',
    "  singleQuotedFlag: '{{flag}}'",
    "  taggedNum: !!str {{num}}",
    "  embedded: n={{num}},f={{flag}},z={{nothing}},s={{settings}}",
    "  flow: [{{num}}, {{flag}}]",
    "",
  ].join("\n");
  const object = only(renderTenant(inlineSet({ x: configMap(data) }), row, "t1", "c")) as Loose;

  it("keeps numbers, booleans and null when the token is a whole plain scalar", () => {
    expect(object.data.num).toBe(42);
    expect(object.data.flag).toBe(false);
    expect(object.data.nothing).toBeNull();
    expect(object.data.flow).toEqual([42, false]);
    expect(object.data.small).toBe(7);
  });

  it("keeps strings strings, even when they look like booleans or numbers", () => {
    expect(object.data.word).toBe("true");
    expect(object.data.digits).toBe("0123");
  });

  it("puts JSON objects and arrays in as nested values under their key", () => {
    expect(object.data.settings).toEqual({ theme: "dark", nested: { list: [1, "two", null] } });
    expect(object.data.list).toEqual(["a", "b"]);
    expect(Object.keys(object.data)).not.toContain("theme");
  });

  it("turns dates into ISO strings and oversized integers into exact strings", () => {
    expect(object.data.created).toBe("2024-05-06T07:08:09.010Z");
    expect(object.data.big).toBe("12345678901234567890");
  });

  it("inserts text when the template quoted, tagged or embedded the variable", () => {
    expect(object.data.quotedNum).toBe("42");
    expect(object.data.singleQuotedFlag).toBe("false");
    expect(object.data.taggedNum).toBe("42");
    expect(object.data.embedded).toBe('n=42,f=false,z=,s={"nested":{"list":[1,"two",null]},"theme":"dark"}');
  });

  it("does not share nested values between places or with the row", () => {
    const twice = only(
      renderTenant(inlineSet({ x: configMap("  a: {{settings}}\n  b: {{settings}}\n") }), row, "t1", "c"),
    ) as Loose;
    twice.data.a.theme = "changed";
    expect(twice.data.b.theme).toBe("dark");
    expect(row.settings.theme).toBe("dark");
  });
});

describe("sections", () => {
  const template = configMap(
    [
      "{{#active}}",
      "  active: yes-{{slug}}",
      "{{/active}}",
      "{{^active}}",
      "  inactive: {{slug}}",
      "{{/active}}",
      "{{#settings.beta}}",
      "  beta: on",
      "{{/settings.beta}}",
      "{{#settings.features}}",
      "  feature-{{.}}: enabled",
      "{{/settings.features}}",
      "",
    ].join("\n"),
  );

  it("follows booleans, lists and optional keys of JSON columns", () => {
    const on = only(renderTenant(inlineSet({ x: template }), sampleRow(), "t", "c")) as Loose;
    expect(on.data).toEqual({ active: "yes-acme", "feature-sso": "enabled", "feature-audit": "enabled" });
    const off = only(
      renderTenant(
        inlineSet({ x: template }),
        sampleRow({ active: false, settings: { beta: true } }),
        "t",
        "c",
      ),
    ) as Loose;
    expect(off.data).toEqual({ inactive: "acme", beta: "on" });
  });

  it("reports a section over a column the row does not have", () => {
    const row = sampleRow();
    delete row.active;
    const error = errorOf(renderTenant(inlineSet({ x: template }), row, "t", "c"));
    expect(error.details.variable).toBe("active");
    expect(error.details.line).toBe(6);
  });
});

describe("render errors", () => {
  it("names the missing variable, the template file and line, and the tenant", () => {
    const set = inlineSet({ x: configMap("  a: {{slug}}\n  b: {{replicaz}}\n") });
    const error = errorOf(renderTenant(set, { slug: "acme", replicas: 2 }, "acme", "eu-1"));
    expect(error).toBeInstanceOf(RenderError);
    expect(error.message).toBe(
      'tenant "acme", template set demo, resource x (templates/demo/x.yaml.mustache:7): variable "replicaz" is not defined for this tenant; the row has columns: replicas, slug; reserved: tenant, templateSet, namespace',
    );
    expect(error.details).toMatchObject({
      tenantKey: "acme",
      templateSet: "demo",
      resourceId: "x",
      file: "templates/demo/x.yaml.mustache",
      line: 7,
      variable: "replicaz",
    });
  });

  it("refuses a key that a value makes collide with another", () => {
    const set = inlineSet({ x: configMap("  fixed: a\n  {{name}}: b\n") });
    const error = errorOf(renderTenant(set, { name: "fixed" }, "t", "c"));
    expect(error.details).toMatchObject({
      line: 6,
      fieldPath: "data",
      reason: 'key "fixed" appears twice after substitution',
    });
    expect(renderTenant(set, { name: "other" }, "t", "c").resources[0]?.ok).toBe(true);
  });

  it("refuses YAML aliases", () => {
    const set = inlineSet({ x: configMap("  a: &v one\n  b: *v\n") });
    expect(errorOf(renderTenant(set, {}, "t", "c")).details).toMatchObject({
      line: 7,
      fieldPath: "data.b",
      reason: "YAML aliases (*name) are not supported in templates",
    });
  });

  it("treats a present null as a value, not as missing", () => {
    const object = only(
      renderTenant(inlineSet({ x: configMap("  a: {{maybe}}\n") }), { maybe: null }, "t", "c"),
    );
    expect(object.data).toEqual({ a: null });
  });

  it("renders the other resources when one fails", () => {
    const set = inlineSet({
      good: configMap('  a: "1"\n'),
      bad: { source: configMap("  a: {{missing}}\n"), dependsOn: ["good"] },
      after: { source: configMap('  b: "2"\n').replace("name: cm", "name: cm2"), dependsOn: ["bad"] },
    });
    const render = renderTenant(set, {}, "t", "c");
    expect(render.resources.map((resource) => [resource.resourceId, resource.ok])).toEqual([
      ["good", true],
      ["bad", false],
      ["after", true],
    ]);
  });

  it("validates names and labels, naming the field and line", () => {
    const set = inlineSet({
      x: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  labels:\n    tier: {{display_name}}\n",
      svc: "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{slug}}\n",
      ns: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a.b\n",
      num: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\n  labels:\n    count: {{replicas}}\n",
      long: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\n  labels:\n    example.com/slug: {{slug}}\n",
    });
    const render = renderTenant(set, sampleRow({ slug: "9lives" }), "t", "c");
    expect(errorOf(render, "x").message).toBe(
      "tenant \"t\", template set demo, resource x (templates/demo/x.yaml.mustache:6): metadata.labels.tier: value \"Acme Corp\" is invalid: label values may only hold letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    );
    expect(errorOf(render, "svc").details).toMatchObject({ fieldPath: "metadata.name", line: 4 });
    expect(errorOf(render, "svc").details.reason).toMatch(/^"9lives" is not a DNS-1035 label/);
    expect(errorOf(render, "ns").details.reason).toMatch(/^"a\.b" is not a DNS-1123 label/);
    expect(errorOf(render, "num").details.reason).toMatch(
      /^value must be a string, got 3; quote the template text/,
    );
    // 9lives is a fine label value and a fine ConfigMap name part.
    expect(render.resources.find((resource) => resource.resourceId === "long")?.ok).toBe(true);

    const tooLong = renderTenant(set, sampleRow({ slug: "x".repeat(64) }), "t", "c");
    expect(errorOf(tooLong, "long").details).toMatchObject({
      fieldPath: 'metadata.labels["example.com/slug"]',
      line: 6,
    });
    expect(errorOf(tooLong, "long").details.reason).toContain(
      "it is 64 characters long; label values may have at most 63",
    );
  });

  it("reports a helper that yields an empty name", () => {
    const set = inlineSet({
      x: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{#dnsLabel}}{{display_name}}{{/dnsLabel}}\n",
    });
    const error = errorOf(renderTenant(set, { display_name: "東京" }, "t", "c"));
    expect(error.message).toBe(
      'tenant "t", template set demo, resource x (templates/demo/x.yaml.mustache:4): helper dnsLabel produced an empty name from "東京": the value has no letters or digits to build a name from',
    );
  });

  it("fails every resource when a row column collides with a reserved name", () => {
    const set = inlineSet({ a: configMap('  a: "1"\n'), b: configMap('  b: "1"\n') });
    const render = renderTenant(set, { namespace: "x" }, "t", "c");
    expect(render.resources.every((resource) => !resource.ok)).toBe(true);
    expect(errorOf(render, "a").message).toMatch(
      /^tenant "t", template set demo \(templates\/demo\/templateset\.yaml\): row column "namespace" collides with a reserved template name \(tenant, templateSet, namespace, dnsLabel/,
    );
  });

  it("fails every resource when the default namespace is not a DNS label", () => {
    const set = inlineSet({ a: configMap('  a: "1"\n') }, { namespace: "tenant-{{display_name}}" });
    const render = renderTenant(set, sampleRow(), "t", "c");
    expect(render.defaultNamespace).toBeUndefined();
    expect(errorOf(render, "a").message).toBe(
      'tenant "t", template set demo (templates/demo/templateset.yaml): namespace: default namespace "tenant-Acme Corp" is not a DNS-1123 label: at most 63 lowercase letters, digits or \'-\', starting and ending with a letter or digit',
    );
  });

  it("refuses column values templates cannot use", () => {
    const set = inlineSet({ a: configMap('  a: "1"\n') });
    expect(errorOf(renderTenant(set, { blob: Buffer.from("x") }, "t", "c"), "a").details.reason).toMatch(
      /^column "blob" holds binary data/,
    );
    expect(errorOf(renderTenant(set, { n: Number.NaN }, "t", "c"), "a").details.reason).toBe(
      'column "n" holds NaN, which has no JSON form',
    );
  });

  it("exposes tenant, templateSet and namespace to templates", () => {
    const set = inlineSet(
      {
        x: configMap(
          "  key: {{tenant.key}}\n  cluster: {{tenant.cluster}}\n  set: {{templateSet.name}}@{{templateSet.version}}\n  ns: {{namespace}}\n",
        ),
      },
      { namespace: "t-{{slug}}" },
    );
    expect(only(renderTenant(set, { slug: "acme" }, "k1", "eu-1")).data).toEqual({
      key: "k1",
      cluster: "eu-1",
      set: "demo@000000000000",
      ns: "t-acme",
    });
  });
});
