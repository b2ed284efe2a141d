import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { VERBS } from "../../lib/rbac/cluster-role.ts";
import { generateRbac } from "../../lib/rbac/generate.ts";

const run = promisify(execFile);
const SHIPPED = "infra/rbac/tenant-sync.yaml";

function writeSet(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-sync-rbac-unit-"));
  fs.mkdirSync(path.join(root, "custom"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, "custom", name), text);
  return root;
}

describe("tenant-sync rbac", () => {
  it("the shipped RBAC is exactly what the command generates for the example sets", async () => {
    // Regenerate with: npm run cli -- rbac --templates templates > infra/rbac/tenant-sync.yaml
    const { stdout } = await run(process.execPath, ["lib/cli/main.ts", "rbac", "--templates", "templates"]);
    expect(stdout).toBe(fs.readFileSync(SHIPPED, "utf8"));
  });

  it("grants the engine's verbs on exactly the example kinds, and nothing cluster-wide beyond them", () => {
    const [role, binding] = parseAllDocuments(fs.readFileSync(SHIPPED, "utf8")).map((d) => d.toJS());
    expect(role.kind).toBe("ClusterRole");
    const granted = role.rules.flatMap(
      (rule: { apiGroups: string[]; resources: string[]; verbs: string[] }) => {
        expect(rule.verbs).toEqual([...VERBS]);
        return rule.resources.map((resource) => `${rule.apiGroups[0]}/${resource}`);
      },
    );
    expect(granted.sort()).toEqual([
      "/configmaps",
      "/namespaces",
      "/resourcequotas",
      "/secrets",
      "/serviceaccounts",
      "/services",
      "apps/deployments",
      "networking.k8s.io/ingresses",
      "networking.k8s.io/networkpolicies",
    ]);
    expect(binding.subjects).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "tenant-sync" },
    ]);
  });

  it("finds kinds behind sections either way, and resolves a custom kind through the given lookup", async () => {
    const dir = writeSet({
      "templateset.yaml":
        "name: custom\nnamespace: t-{{slug}}\nresources:\n  - id: db\n    file: db.yaml.mustache\n  - id: job\n    file: job.yaml.mustache\n",
      "db.yaml.mustache": "apiVersion: example.com/v1\nkind: Database\nmetadata:\n  name: db\n",
      "job.yaml.mustache":
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n{{#nightly}}spec:\n  parallelism: 1\n{{/nightly}}",
    });
    const lookups: string[] = [];
    const yaml = await generateRbac({
      templateDirs: [dir],
      name: "tenant-sync-custom",
      subjects: [{ kind: "Group", name: "tenant-sync-writers" }],
      resolve: async (apiVersion, kind) => {
        lookups.push(`${apiVersion}/${kind}`);
        return "databases";
      },
    });
    expect(lookups).toEqual(["example.com/v1/Database"]);
    const [role, binding] = parseAllDocuments(yaml).map((d) => d.toJS());
    expect(role.metadata.name).toBe("tenant-sync-custom");
    expect(
      role.rules.map((r: { apiGroups: string[]; resources: string[] }) => [r.apiGroups, r.resources]),
    ).toEqual([
      [["batch"], ["jobs"]],
      [["example.com"], ["databases"]],
    ]);
    expect(binding.subjects[0]).toMatchObject({ kind: "Group", name: "tenant-sync-writers" });
  });

  it("names the template file and the way out when a custom kind cannot be resolved offline", async () => {
    const dir = writeSet({
      "templateset.yaml": "name: custom\nnamespace: t\nresources:\n  - id: db\n    file: db.yaml.mustache\n",
      "db.yaml.mustache": "apiVersion: example.com/v1\nkind: Database\nmetadata:\n  name: db\n",
    });
    await expect(generateRbac({ templateDirs: [dir], name: "x", subjects: [] })).rejects.toThrow(
      /custom\/db\.yaml\.mustache: kind Database \(example\.com\/v1\) is not a built-in kind; pass --cluster/,
    );
  });
});
