import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatProblem, TemplateSetError } from "../../lib/templates/load-problem.ts";
import { loadTemplateSet, loadTemplateSets } from "../../lib/templates/loader.ts";
import { CONFIGMAP, EXAMPLE_TEMPLATES, removeTempSets, writeSetFiles } from "./template-fixtures.ts";

afterAll(removeTempSets);

/** Loads a set named "demo" from the given files and returns its problems as "demo/file:line: message". */
async function problemsOf(files: Record<string, string>): Promise<string[]> {
  const root = await writeSetFiles("demo", files);
  try {
    await loadTemplateSet(join(root, "demo"));
  } catch (error) {
    if (!(error instanceof TemplateSetError)) throw error;
    expect(error.message).toContain(`template sets have ${error.problems.length === 1 ? "1 problem" : ""}`);
    return error.problems.map((problem) => formatProblem(problem).replace(`${root}/`, ""));
  }
  throw new Error("the set loaded without problems");
}

const manifest = (resources: string, head = "name: demo\n") => `${head}resources:\n${resources}`;

describe("loadTemplateSet accepts a good set", () => {
  it("builds the model with defaults, parsed policies and sources", async () => {
    const root = await writeSetFiles("demo", {
      "templateset.yaml": `name: demo
description: A demo
namespace: "t-{{slug}}"
selector:
  - { column: plan, in: [pro, enterprise] }
  - { column: region, equals: eu }
  - { column: beta, truthy: true }
resources:
  - id: cm
    file: cm.yaml.mustache
  - id: other
    file: other.yaml.mustache
    dependsOn: [cm]
    creation: Once
    deletion: Retain
    conflict: Force
    readiness: { wait: false }
    ignoreFields: [spec.replicas, data.x]
    skipOnDependencyFailure: false
`,
      "cm.yaml.mustache": CONFIGMAP,
      "other.yaml.mustache": CONFIGMAP.replace("name: cm", "name: other"),
    });
    const set = await loadTemplateSet(join(root, "demo"));
    expect(set.name).toBe("demo");
    expect(set.description).toBe("A demo");
    expect(set.namespaceTemplate).toBe("t-{{slug}}");
    expect(set.selector).toEqual([
      { column: "plan", op: "in", values: ["pro", "enterprise"] },
      { column: "region", op: "equals", value: "eu" },
      { column: "beta", op: "truthy", value: true },
    ]);
    expect(set.version).toMatch(/^[0-9a-f]{12}$/);
    const [cm, other] = set.resources;
    expect(cm).toMatchObject({
      id: "cm",
      dependsOn: [],
      creation: "WhenNeeded",
      deletion: "Delete",
      conflict: "Stuck",
      readiness: { wait: true, timeoutSeconds: 300 },
      ignoreFields: [],
      skipOnDependencyFailure: true,
      source: CONFIGMAP,
      path: join(root, "demo", "cm.yaml.mustache"),
    });
    expect(other).toMatchObject({
      dependsOn: ["cm"],
      creation: "Once",
      deletion: "Retain",
      conflict: "Force",
      readiness: { wait: false, timeoutSeconds: 300 },
      ignoreFields: ["spec.replicas", "data.x"],
      skipOnDependencyFailure: false,
    });
  });

  it("gives a version that depends only on the files' contents", async () => {
    const files = {
      "templateset.yaml": manifest("  - id: cm\n    file: cm.yaml.mustache\n"),
      "cm.yaml.mustache": CONFIGMAP,
    };
    const a = await loadTemplateSet(join(await writeSetFiles("demo", files), "demo"));
    const b = await loadTemplateSet(join(await writeSetFiles("demo", files), "demo"));
    expect(b.version).toBe(a.version);
    const changed = await writeSetFiles("demo", { ...files, "cm.yaml.mustache": `${CONFIGMAP}  b: "2"\n` });
    expect((await loadTemplateSet(join(changed, "demo"))).version).not.toBe(a.version);
  });

  it("loads the repository's example sets", async () => {
    const sets = await loadTemplateSets(EXAMPLE_TEMPLATES);
    expect(sets.map((set) => set.name)).toEqual(["monitoring", "webapp"]);
    const webapp = sets[1];
    expect(webapp?.resources.map((resource) => resource.id)).toEqual([
      "namespace",
      "resourcequota",
      "networkpolicy",
      "serviceaccount",
      "configmap",
      "secret",
      "deployment",
      "service",
      "ingress",
    ]);
    expect(webapp?.resources.find((resource) => resource.id === "deployment")?.ignoreFields).toEqual([
      "spec.replicas",
    ]);
  });
});

describe("loadTemplateSet rejects", () => {
  it("unknown keys, with the line of the key and the allowed keys", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest(
        "  - id: cm\n    file: cm.yaml.mustache\n    dependson: [x]\n    readiness: { wait: true, timeout: 3 }\n",
        "name: demo\nowner: me\n",
      ),
      "cm.yaml.mustache": CONFIGMAP,
    });
    expect(problems).toEqual([
      'demo/templateset.yaml:2: unknown key "owner" in the manifest; allowed keys: name, description, namespace, selector, resources',
      'demo/templateset.yaml:6: unknown key "dependson" in resources[0]; allowed keys: id, file, dependsOn, creation, deletion, conflict, readiness, ignoreFields, skipOnDependencyFailure',
      'demo/templateset.yaml:7: unknown key "timeout" in resources[0].readiness; allowed keys: wait, timeoutSeconds, condition',
    ]);
  });

  it("unknown policy values, listing the allowed ones", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest(
        "  - id: cm\n    file: cm.yaml.mustache\n    creation: Always\n    deletion: Orphan\n    conflict: Ignore\n",
      ),
      "cm.yaml.mustache": CONFIGMAP,
    });
    expect(problems).toEqual([
      'demo/templateset.yaml:5: resources[0].creation: "Always" is not allowed; use one of WhenNeeded, Once',
      'demo/templateset.yaml:6: resources[0].deletion: "Orphan" is not allowed; use one of Delete, Retain',
      'demo/templateset.yaml:7: resources[0].conflict: "Ignore" is not allowed; use one of Stuck, Force',
    ]);
  });

  it("duplicate ids and unknown dependencies", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest(
        "  - id: cm\n    file: cm.yaml.mustache\n  - id: cm\n    file: cm.yaml.mustache\n    dependsOn: [nope]\n",
      ),
      "cm.yaml.mustache": CONFIGMAP,
    });
    expect(problems).toEqual([
      'demo/templateset.yaml:5: duplicate resource id "cm" (first used on line 3)',
      'demo/templateset.yaml:7: resource "cm" depends on unknown resource "nope"; known ids: cm',
    ]);
  });

  it("dependency cycles, naming the cycle", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest(
        [
          "  - id: a",
          "    file: cm.yaml.mustache",
          "    dependsOn: [b]",
          "  - id: b",
          "    file: cm.yaml.mustache",
          "    dependsOn:",
          "      - c",
          "  - id: c",
          "    file: cm.yaml.mustache",
          "    dependsOn: [a]",
          "",
        ].join("\n"),
      ),
      "cm.yaml.mustache": CONFIGMAP,
    });
    expect(problems).toEqual([
      "demo/templateset.yaml:5: dependency cycle (each depends on the next): a -> b -> c -> a",
    ]);
  });

  it("a name that is not the folder name or not a DNS label, and selector terms with two operators", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest(
        "  - id: Bad_Id\n    file: cm.yaml.mustache\n",
        "name: other\nselector:\n  - { column: plan, equals: pro, truthy: true }\n",
      ),
      "cm.yaml.mustache": CONFIGMAP,
    });
    expect(problems).toEqual([
      'demo/templateset.yaml:1: name "other" must equal the folder name "demo"',
      "demo/templateset.yaml:3: selector[0]: a selector term needs exactly one of in, equals, truthy",
      "demo/templateset.yaml:5: resources[0].id: must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
    ]);
  });

  it("missing resource files and paths leaving the folder", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest(
        "  - id: a\n    file: missing.yaml.mustache\n  - id: b\n    file: ../escape.yaml.mustache\n",
      ),
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^demo\/templateset\.yaml:4: file "missing\.yaml\.mustache": not found \(looked for /,
    );
    expect(problems[1]).toBe(
      'demo/templateset.yaml:6: file "../escape.yaml.mustache" must be a path inside the template set folder',
    );
  });

  it("a missing required field, at the line of its parent", async () => {
    const problems = await problemsOf({ "templateset.yaml": manifest("  - id: a\n") });
    expect(problems).toEqual(["demo/templateset.yaml:3: resources[0].file is required"]);
  });

  it("invalid YAML in the manifest", async () => {
    const problems = await problemsOf({ "templateset.yaml": "name: demo\nresources: [\n  - id: a\n" });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^demo\/templateset\.yaml:\d+: invalid YAML: /);
  });

  it("a folder without a manifest", async () => {
    const problems = await problemsOf({ "cm.yaml.mustache": CONFIGMAP });
    expect(problems).toEqual([
      "demo/templateset.yaml: missing: every folder under the templates folder is a template set and needs a templateset.yaml",
    ]);
  });

  it("templates that do not parse as mustache", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest("  - id: a\n    file: a.yaml.mustache\n"),
      "a.yaml.mustache": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n{{#beta}}\ndata: {}\n",
    });
    expect(problems).toEqual(['demo/a.yaml.mustache:7: mustache: Unclosed section "beta"']);
  });

  it("unescaped tags {{{x}}} and {{&x}}, partials and helpers used as variables", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest("  - id: a\n    file: a.yaml.mustache\n"),
      "a.yaml.mustache": [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: {{{slug}}}",
        "data:",
        "  a: {{&raw}}",
        "  b: {{>partial}}",
        "  c: {{dnsLabel}}",
        "",
      ].join("\n"),
    });
    expect(problems).toEqual([
      "demo/a.yaml.mustache:4: unescaped tag {{{slug}}} / {{&slug}} is not allowed: it would paste the value into the YAML text; use {{slug}}, which keeps the value as data",
      "demo/a.yaml.mustache:6: unescaped tag {{{raw}}} / {{&raw}} is not allowed: it would paste the value into the YAML text; use {{raw}}, which keeps the value as data",
      "demo/a.yaml.mustache:7: partial {{>partial}} is not supported",
      "demo/a.yaml.mustache:8: helper dnsLabel wraps text as a section: {{#dnsLabel}}…{{/dnsLabel}}",
    ]);
  });

  it("a template rendering more than one document", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest("  - id: a\n    file: a.yaml.mustache\n"),
      "a.yaml.mustache": `${CONFIGMAP}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n`,
    });
    expect(problems).toEqual([
      "demo/a.yaml.mustache:7: the template renders 2 YAML documents; a template must render exactly one object",
    ]);
  });

  it("a template missing apiVersion, kind or metadata.name", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest("  - id: a\n    file: a.yaml.mustache\n"),
      "a.yaml.mustache": "apiVersion: v1\nmetadata:\n  labels: {}\n",
    });
    expect(problems).toEqual([
      "demo/a.yaml.mustache:1: kind must be a non-empty string, got undefined",
      "demo/a.yaml.mustache:2: metadata.name must be a non-empty string, got undefined",
    ]);
  });

  it("a problem that only shows when sections are off, saying so", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest("  - id: a\n    file: a.yaml.mustache\n"),
      "a.yaml.mustache": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n{{#named}}\n  name: x\n{{/named}}\n",
    });
    expect(problems).toEqual([
      "demo/a.yaml.mustache:3: metadata must be a mapping with at least a name (with every section off)",
    ]);
  });

  it("invalid YAML produced by the template, at the template line", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest("  - id: a\n    file: a.yaml.mustache\n"),
      "a.yaml.mustache": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1, 2\n",
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^demo\/a\.yaml\.mustache:[67]: rendered YAML is invalid: /);
  });

  it("a bad namespace template, at the manifest line", async () => {
    const problems = await problemsOf({
      "templateset.yaml": manifest(
        "  - id: a\n    file: a.yaml.mustache\n",
        'name: demo\nnamespace: "{{{slug}}}"\n',
      ),
      "a.yaml.mustache": CONFIGMAP,
    });
    expect(problems).toEqual([
      "demo/templateset.yaml:2: namespace template: unescaped tag {{{slug}}} / {{&slug}} is not allowed: it would paste the value into the YAML text; use {{slug}}, which keeps the value as data",
    ]);
  });

  it("collects the problems of every set in one error", async () => {
    const root = await writeSetFiles("one", {
      "templateset.yaml": "name: one\nresources:\n  - id: a\n    file: gone.yaml.mustache\n",
    });
    await mkdir(join(root, "two"));
    await writeFile(join(root, "two", "templateset.yaml"), "name: wrong\nresources: []\n");
    const error = await loadTemplateSets(root).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TemplateSetError);
    const lines = (error as TemplateSetError).problems.map((problem) =>
      formatProblem(problem).replace(`${root}/`, ""),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^one\/templateset\.yaml:4: file "gone\.yaml\.mustache": not found/),
      'two/templateset.yaml:1: name "wrong" must equal the folder name "two"',
      "two/templateset.yaml:2: resources: a template set needs at least one resource",
    ]);
    expect((error as Error).message).toMatch(/^template sets have 3 problems:\n {2}/);
  });
});
