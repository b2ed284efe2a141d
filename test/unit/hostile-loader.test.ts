import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { topologicalOrder } from "../../lib/templates/graph.ts";
import { TemplateSetError } from "../../lib/templates/load-problem.ts";
import { loadTemplateSet, MANIFEST_FILE } from "../../lib/templates/loader.ts";
import { CONFLICT_POLICIES, CREATION_POLICIES, DELETION_POLICIES } from "../../lib/templates/model.ts";
import { NAMESPACE_TEMPLATE, NAMESPACE_THEN_CONFIG } from "../support/template-sets.ts";
import { hostileString, RUNS } from "./hostile-arbitraries.ts";

const MANIFEST = `name: fuzzset
description: A set to break.
namespace: "{{#dnsLabel}}t-{{slug}}{{/dnsLabel}}"
selector:
  - { column: plan, in: [pro, enterprise] }
  - { column: beta, truthy: true }
  - { column: region, equals: eu }
${NAMESPACE_THEN_CONFIG}    creation: Once
    deletion: Retain
    conflict: Force
    readiness: { wait: true, timeoutSeconds: 60, condition: Ready }
    ignoreFields: [data.x]
    skipOnDependencyFailure: false
  - id: app
    file: app.yaml.mustache
    dependsOn: [namespace, config]
`;

const TEMPLATES: Record<string, string> = {
  "namespace.yaml.mustache": NAMESPACE_TEMPLATE,
  "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  labels:
    plan: {{#dnsLabel}}{{plan}}{{/dnsLabel}}
data:
  x: "{{display_name}}"
  {{#settings}}
  theme: "{{theme}}"
  {{/settings}}
  {{^settings}}
  theme: none
  {{/settings}}
`,
  "app.yaml.mustache": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: {{replicas}}
  template:
    spec:
      containers:
        - name: web
          image: "nginx:{{plan}}"
`,
};

type Files = Record<string, string>;
const validFiles = (): Files => ({ [MANIFEST_FILE]: MANIFEST, ...TEMPLATES });

/** Every path into the manifest object, so a mutation can hit any node. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) out.push(...paths(item, [...prefix, index]));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...prefix, key]));
  }
  return out;
}
const PATHS = paths(parse(MANIFEST)).filter((path) => path.length > 0);

function parentOf(root: unknown, path: (string | number)[]): Record<string | number, unknown> | undefined {
  let node = root as Record<string | number, unknown> | undefined;
  for (const segment of path.slice(0, -1))
    node = node?.[segment] as Record<string | number, unknown> | undefined;
  return typeof node === "object" && node !== null ? node : undefined;
}

/**
 * A mutation, and whether it must make the set invalid (undefined: it may or may not). `apply` returns false
 * when it found nothing to change (an earlier mutation removed its target), so it proves nothing.
 */
interface Mutation {
  describe: string;
  apply(files: Files): boolean;
  mustFail?: boolean | undefined;
}

const editManifest = (
  describe: string,
  edit: (manifest: Record<string, unknown>) => void,
  mustFail?: boolean,
): Mutation => ({
  describe,
  mustFail,
  apply(files) {
    // An earlier text mutation may have broken the YAML already; then this edit has nothing to work on.
    let manifest: unknown;
    try {
      manifest = parse(files[MANIFEST_FILE] as string, { maxAliasCount: 100, logLevel: "error" });
    } catch {
      return false;
    }
    if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) return false;
    try {
      edit(manifest as Record<string, unknown>);
    } catch {
      return false; // the shape this edit expects is gone
    }
    files[MANIFEST_FILE] = stringify(manifest);
    return true;
  },
});

/** The mapping at `index` of a manifest list, for edits that expect the valid shape (and throw otherwise). */
const item = (list: unknown, index: number) =>
  (list as Record<string, unknown>[])[index] as Record<string, unknown>;

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostileString,
  fc.constantFrom(
    "Always",
    "Never",
    "delete",
    "once",
    "WhenNeeded ",
    "",
    "Retain\n",
    -1,
    0,
    1.5,
    1e9,
    86_401,
    true,
    null,
    [],
    {},
  ),
);
const pathArb = fc.constantFrom(...PATHS);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  pathArb.map((path) =>
    editManifest(`delete ${path.join(".")}`, (m) => {
      const parent = parentOf(m, path);
      const key = path[path.length - 1] as string | number;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (parent) delete parent[key];
    }),
  ),
  fc.tuple(pathArb, anyValue).map(([path, value]) =>
    editManifest(`set ${path.join(".")} = ${JSON.stringify(value)}`, (m) => {
      const parent = parentOf(m, path);
      if (parent) parent[path[path.length - 1] as string | number] = value;
    }),
  ),
  fc
    .tuple(
      fc.constantFrom([], ["resources", 0], ["resources", 1, "readiness"], ["selector", 0]),
      fc.constantFrom("extra", "dependson", "Creation", "deleteion", "__proto__", "apiVersion"),
    )
    .map(([path, key]) =>
      editManifest(
        `unknown key ${key} at ${path.join(".")}`,
        (m) => {
          let node = m as Record<string | number, unknown>;
          for (const segment of path) node = node[segment] as Record<string | number, unknown>;
          Object.defineProperty(node, key, {
            value: "x",
            enumerable: true,
            configurable: true,
            writable: true,
          });
        },
        true,
      ),
    ),
  fc
    .tuple(fc.constantFrom("creation", "deletion", "conflict"), fc.constantFrom(0, 1, 2), hostileString)
    .map(([field, index, value]) => {
      const allowed: readonly string[] = {
        creation: CREATION_POLICIES,
        deletion: DELETION_POLICIES,
        conflict: CONFLICT_POLICIES,
      }[field];
      return editManifest(
        `resources[${index}].${field} = ${JSON.stringify(value)}`,
        (m) => {
          (m.resources as Record<string, unknown>[])[index] = {
            ...(m.resources as Record<string, unknown>[])[index],
            [field]: value,
          };
        },
        !allowed.includes(value),
      );
    }),
  fc
    .constantFrom<[string, (m: Record<string, unknown>) => void]>(
      [
        "namespace depends on app (cycle)",
        (m) => {
          item(m.resources, 0).dependsOn = ["app"];
        },
      ],
      [
        "config depends on itself",
        (m) => {
          item(m.resources, 1).dependsOn = ["config"];
        },
      ],
      [
        "config and app depend on each other",
        (m) => {
          item(m.resources, 1).dependsOn = ["namespace", "app"];
        },
      ],
      [
        "unknown dependency",
        (m) => {
          item(m.resources, 2).dependsOn = ["nope"];
        },
      ],
      [
        "duplicate id",
        (m) => {
          item(m.resources, 2).id = "config";
        },
      ],
      [
        "no resources",
        (m) => {
          m.resources = [];
        },
      ],
      [
        "name differs from folder",
        (m) => {
          m.name = "other";
        },
      ],
      [
        "name not a DNS label",
        (m) => {
          m.name = "Fuzz_Set";
        },
      ],
      [
        "file leaves the folder",
        (m) => {
          item(m.resources, 0).file = "../outside.yaml";
        },
      ],
      [
        "absolute file",
        (m) => {
          item(m.resources, 0).file = "/etc/passwd";
        },
      ],
      [
        "missing file",
        (m) => {
          item(m.resources, 0).file = "nope.yaml.mustache";
        },
      ],
      [
        "file is the folder",
        (m) => {
          item(m.resources, 0).file = ".";
        },
      ],
      [
        "file with NUL",
        (m) => {
          item(m.resources, 0).file = "a\u0000b";
        },
      ],
      [
        "selector term with two ops",
        (m) => {
          item(m.selector, 0).equals = "x";
        },
      ],
      [
        "selector term with no op",
        (m) => {
          m.selector = [{ column: "plan" }];
        },
      ],
      [
        "readiness timeout 0",
        (m) => {
          item(m.resources, 1).readiness = { timeoutSeconds: 0 };
        },
      ],
      [
        "namespace template uses namespace",
        (m) => {
          m.namespace = "{{namespace}}";
        },
      ],
      [
        "namespace template unsafe tag",
        (m) => {
          m.namespace = "{{{slug}}}";
        },
      ],
      [
        "manifest is a list",
        (m) => {
          for (const key of Object.keys(m)) delete m[key];
          Object.assign(m, { 0: "x" });
        },
      ],
    )
    .map(([describe, edit]) => editManifest(describe, edit, true)),
  // Text-level damage to the manifest: whatever bytes, the loader must still answer with problems.
  fc.tuple(fc.nat(), hostileString).map(
    ([at, text]): Mutation => ({
      describe: `insert ${JSON.stringify(text)} into the manifest`,
      apply(files) {
        const manifest = files[MANIFEST_FILE] as string;
        const offset = at % (manifest.length + 1);
        files[MANIFEST_FILE] = manifest.slice(0, offset) + text + manifest.slice(offset);
        return true;
      },
    }),
  ),
  fc.tuple(fc.nat(), fc.nat({ max: 60 })).map(
    ([at, length]): Mutation => ({
      describe: `cut ${length} characters from the manifest`,
      apply(files) {
        const manifest = files[MANIFEST_FILE] as string;
        const offset = at % (manifest.length + 1);
        files[MANIFEST_FILE] = manifest.slice(0, offset) + manifest.slice(offset + length);
        return true;
      },
    }),
  ),
  fc
    .constantFrom<[string, (text: string) => string]>(
      ["second document", (t) => `${t}---\nname: fuzzset\n`],
      ["document end then junk", (t) => `${t}...\n{{{`],
      ["undefined alias", (t) => t.replace("description: A set to break.", "description: *nowhere")],
      [
        "alias to a mapping",
        (t) => t.replace("description: A set to break.", "description: &d A set\nx: *d"),
      ],
      ["merge key", (t) => t.replace("  - id: app", "  - <<: *missing\n    id: app")],
      [
        "python tag",
        (t) =>
          t.replace("description: A set to break.", "description: !!python/object/apply:os.system ['id']"),
      ],
      ["binary tag on name", (t) => t.replace("name: fuzzset", "name: !!binary ZnV6enNldA==")],
      ["tabs for indentation", (t) => t.replace(/^ {2}/gm, "\t")],
      ["duplicate top-level key", (t) => `${t}name: fuzzset\n`],
      [
        "unclosed flow mapping",
        (t) => t.replace("{ column: plan, in: [pro, enterprise] }", "{ column: plan, in: [pro, enterprise]"),
      ],
      ["NUL byte", (t) => t.replace("description:", "descr\u0000iption:")],
      ["empty manifest", () => ""],
      ["only a comment", () => "# nothing\n"],
      ["a scalar", () => "fuzzset\n"],
      [
        "alias bomb (billion laughs)",
        (t) =>
          `${t}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
      ],
      [
        "alias bomb inside description",
        (t) =>
          t.replace(
            "description: A set to break.",
            'description: [&a ["x","x","x","x","x","x","x","x"], &b [*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b], [*c,*c,*c,*c,*c,*c,*c,*c]]',
          ),
      ],
      // Not breakage: a BOM and Windows line ends are still the same YAML.
      ["BOM and CRLF", (t) => `\ufeff${t.replace(/\n/g, "\r\n")}`],
    )
    .map(
      ([describe, edit]): Mutation => ({
        describe,
        mustFail: describe !== "BOM and CRLF",
        apply(files) {
          const before = files[MANIFEST_FILE] as string;
          files[MANIFEST_FILE] = edit(before);
          return files[MANIFEST_FILE] !== before;
        },
      }),
    ),
  // Damage to a resource template.
  fc.tuple(fc.constantFrom(...Object.keys(TEMPLATES)), fc.nat(), hostileString).map(
    ([file, at, text]): Mutation => ({
      describe: `insert ${JSON.stringify(text)} into ${file}`,
      apply(files) {
        const source = files[file] as string;
        const offset = at % (source.length + 1);
        files[file] = source.slice(0, offset) + text + source.slice(offset);
        return true;
      },
    }),
  ),
  fc
    .tuple(
      fc.constantFrom(...Object.keys(TEMPLATES)),
      fc.constantFrom(
        "{{#open}}\n",
        "{{/close}}\n",
        "{{{raw}}}\n",
        "{{&raw}}\n",
        "{{>partial}}\n",
        "{{dnsLabel}}\n",
        "{{^dnsLabel}}x{{/dnsLabel}}\n",
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
        "bad: [\n",
        "alias: *x\n",
        "{{#a}}{{/b}}\n",
        "{{",
      ),
    )
    .map(
      ([file, text]): Mutation => ({
        describe: `append ${JSON.stringify(text)} to ${file}`,
        mustFail: true,
        apply(files) {
          files[file] = `${files[file]}${text}`;
          return true;
        },
      }),
    ),
  fc
    .tuple(
      fc.constantFrom(...Object.keys(TEMPLATES)),
      fc.constantFrom("", "# nothing\n", "just text\n", "- a\n- b\n", "\u0000\u0001", "kind: ConfigMap\n"),
    )
    .map(
      ([file, text]): Mutation => ({
        describe: `replace ${file} by ${JSON.stringify(text)}`,
        mustFail: true,
        apply(files) {
          files[file] = text;
          return true;
        },
      }),
    ),
);

describe("loading broken template sets", () => {
  let root: string;
  let dir: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "tenant-sync-hostile-sets-"));
    dir = join(root, "fuzzset");
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function write(files: Files): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  }

  it("the unbroken set loads", async () => {
    await write(validFiles());
    const set = await loadTemplateSet(dir);
    expect(set.resources.map((r) => r.id)).toEqual(["namespace", "config", "app"]);
  });

  it("any mutation ends in a loaded, consistent set or a TemplateSetError with file:line problems (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const files = validFiles();
        const effective = mutations.map((m) => m.apply(files));
        // A later mutation may repair an earlier one (delete the duplicate, say): only a single effective
        // mutation is known to break the set.
        const mustFail = mutations.length === 1 && effective[0] === true && mutations[0]?.mustFail === true;
        await write(files);
        const result = await loadTemplateSet(dir).then(
          (set) => ({ ok: true as const, set }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        const label = mutations.map((m) => m.describe).join("; ");
        if (result.ok) {
          expect(mustFail, `loaded although broken: ${label}`).toBe(false);
          // Whatever loaded is a model the engine can use.
          const { set } = result;
          expect(set.name).toBe("fuzzset");
          expect(new Set(set.resources.map((r) => r.id)).size).toBe(set.resources.length);
          expect(() => topologicalOrder(set.resources)).not.toThrow();
          for (const resource of set.resources) {
            expect(CREATION_POLICIES).toContain(resource.creation);
            expect(DELETION_POLICIES).toContain(resource.deletion);
            expect(CONFLICT_POLICIES).toContain(resource.conflict);
            expect(typeof resource.source).toBe("string");
          }
          return;
        }
        const { error } = result;
        expect(error, `${label}: ${(error as Error)?.stack}`).toBeInstanceOf(TemplateSetError);
        const problems = (error as TemplateSetError).problems;
        expect(problems.length).toBeGreaterThan(0);
        expect(
          problems.some((p) => p.line !== undefined && p.line > 0),
          `${label}: no problem has a line:\n${(error as Error).message}`,
        ).toBe(true);
        for (const problem of problems) {
          expect(problem.file.startsWith(dir)).toBe(true);
          expect(problem.message.length).toBeGreaterThan(0);
        }
        expect((error as Error).message).toMatch(/^template sets have \d+ problems?:\n {2}\S.*:\d+: /);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  async function problemsOf(files: Files) {
    await write(files);
    const error = await loadTemplateSet(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TemplateSetError);
    return (error as TemplateSetError).problems;
  }

  it("an alias bomb is a located problem, not a ReferenceError", async () => {
    const bomb = `${MANIFEST}a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n`;
    const problems = await problemsOf({ ...validFiles(), [MANIFEST_FILE]: bomb });
    expect(problems).toEqual([
      {
        file: join(dir, MANIFEST_FILE),
        line: 24,
        message: expect.stringMatching(/^invalid YAML: Excessive alias count/),
      },
    ]);
  });

  it("an empty manifest is reported on line 1", async () => {
    const problems = await problemsOf({ ...validFiles(), [MANIFEST_FILE]: "" });
    expect(problems.map((p) => p.line)).toEqual([1]);
  });

  it("an unclosed tag whose name runs over several lines is located, on one line of output", async () => {
    const problems = await problemsOf({
      ...validFiles(),
      "app.yaml.mustache": `apiVersion: v1\nkind: {{# trailing\ncomment }}ConfigMap\n`,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBeGreaterThan(0);
    expect(problems[0]?.message).toMatch(/^mustache: Unclosed section/);
    expect(problems[0]?.message).not.toContain("\n");
  });

  it.each(["---", "\n  evil: true", "&a [*a]", "<<: *x", "{{{value}}}", "\u0000", "\ud800", "../.."])(
    "manifest value %j in every string field",
    async (piece) => {
      for (const path of PATHS) {
        const files = validFiles();
        editManifest("piece", (m) => {
          const parent = parentOf(m, path);
          const key = path[path.length - 1] as string | number;
          if (parent && typeof parent[key] === "string") parent[key] = piece;
        }).apply(files);
        await write(files);
        await loadTemplateSet(dir).catch((error: unknown) => {
          expect(error).toBeInstanceOf(TemplateSetError);
        });
      }
    },
  );
});
