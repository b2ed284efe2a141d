import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dialect } from "../../lib/db/dialect.ts";
import type { Engine } from "../../lib/engine/engine.ts";
import { DIALECTS } from "../support/databases.ts";
import { type EngineFixture, engineFixture, tenantsEnv, writeSets } from "../support/engine.ts";
import { adminKubeConfig, stack, uniqueName } from "../support/stack.ts";
import { NAMESPACE_TEMPLATE, NAMESPACE_THEN_CONFIG } from "../support/template-sets.ts";

const root = path.resolve(import.meta.dirname, "../..");
// The project's Node.js 24, whatever `node` runs vitest: the CLI is TypeScript run by type stripping.
const NODE = path.join(root, "node_modules/.bin/node");
const MAIN = path.join(root, "infra/cli/main.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON output is checked field by field
  json: any;
}

/** Runs `tenant-sync …` as a subprocess, the way a person or a script does. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      NODE,
      [MAIN, ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        let json: unknown;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        resolve({ code, stdout, stderr, json });
      },
    );
  });
}

/** A set per tenant: its namespace, a ConfigMap from the row, and an extra ConfigMap the second version drops. */
function cliSet(withExtra: boolean) {
  return {
    "templateset.yaml": `name: cli
namespace: "{{#dnsLabel}}cli-{{slug}}{{/dnsLabel}}"
${NAMESPACE_THEN_CONFIG}${withExtra ? "  - id: extra\n    file: extra.yaml.mustache\n    dependsOn: [namespace]\n" : ""}`,
    "namespace.yaml.mustache": NAMESPACE_TEMPLATE,
    "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    example.com/note: "{{note}}"
data:
  plan: "{{plan}}"
  replicas: "{{replicas}}"
`,
    ...(withExtra
      ? {
          "extra.yaml.mustache": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n",
        }
      : {}),
  };
}

const templatesV1 = writeSets({ cli: cliSet(true) });
const templatesV2 = writeSets({ cli: cliSet(false) });
const brokenTemplates = writeSets({
  broken: {
    "templateset.yaml":
      "name: broken\nresources:\n  - id: a\n    file: a.yaml.mustache\n    creation: Always\n",
    "a.yaml.mustache": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{{name}}}\n",
  },
});

describe("tenant-sync without a database", () => {
  it("--help lists every command and exits 0", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of ["validate", "render", "diff", "sync", "status", "graph", "stack"]) {
      expect(run.stdout).toContain(command);
    }
    expect((await cli(["diff", "--help"])).stdout).toContain("--json");
  });

  it("exits 1 on a usage error", async () => {
    const run = await cli(["frobnicate"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("unknown command");
  });

  it("validate: a good set exits 0 with its version", async () => {
    const run = await cli(["validate", "--templates-only", "--templates", templatesV1, "--json"]);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ ok: true, problems: [], sets: [{ name: "cli", resources: 3 }] });
    expect(run.json.sets[0].version).toMatch(/^[0-9a-f]{12}$/);
  });

  it("validate: a broken set exits 2 with file:line for each problem", async () => {
    const human = await cli(["validate", "--templates-only", "--templates", brokenTemplates]);
    expect(human.code).toBe(2);
    const manifest = path.join(brokenTemplates, "broken", "templateset.yaml");
    expect(human.stdout).toContain(`${manifest}:5: resources[0].creation: "Always" is not allowed`);
    expect(human.stdout).toMatch(/a\.yaml\.mustache:4: unescaped tag/);

    const json = await cli(["validate", "--templates-only", "--templates", brokenTemplates, "--json"]);
    expect(json.code).toBe(2);
    expect(json.json.ok).toBe(false);
    expect(json.json.problems).toContainEqual({
      file: manifest,
      line: 5,
      message: expect.stringContaining("creation"),
    });
  });

  it("validate: a bad environment is a problem too", async () => {
    const run = await cli(["validate", "--templates", templatesV1, "--json"], {
      TENANT_SYNC_DATABASE_URL: "postgres://u@127.0.0.1:1/x",
      TENANT_SYNC_CONCURRENCY: "0",
    });
    expect(run.code).toBe(2);
    expect(run.json.problems).toEqual([
      { file: "environment", line: null, message: expect.stringContaining("TENANT_SYNC_CONCURRENCY") },
    ]);
  });

  it("render from command-line values needs no database; render errors exit 2 naming resource and field", async () => {
    const env = {
      TENANT_SYNC_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      TENANT_SYNC_TEMPLATES_DIR: templatesV1,
    };
    const yaml = await cli(
      [
        "render",
        "t1",
        "--value",
        "slug=acme",
        "--value",
        "plan=pro",
        "--value",
        "replicas=2",
        "--value",
        "note=hi",
      ],
      env,
    );
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain("name: cli-acme");
    expect(yaml.stdout).toContain("plan: pro");
    expect(yaml.stdout).toContain("resource config");

    const bad = await cli(
      [
        "render",
        "t1",
        "--json",
        "--row-json",
        '{"slug":"acme","plan":"pro","replicas":2,"note":"not a label!"}',
      ],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.json.source).toBe("flags");
    const config = bad.json.sets[0].resources.find((r: { resourceId: string }) => r.resourceId === "config");
    expect(config.ok).toBe(false);
    expect(config.error).toContain("resource config");
    expect(config.error).toContain('metadata.labels["example.com/note"]');
    expect(bad.json.errors).toEqual([config.error]);
  });

  it("graph: Mermaid by default, DOT on request, unknown sets exit 1", async () => {
    const mermaid = await cli(["graph", "cli", "--templates", templatesV1]);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toContain("flowchart TD");
    expect(mermaid.stdout).toContain("n0 --> n1");
    const dot = await cli(["graph", "cli", "--templates", templatesV1, "--format", "dot", "--json"]);
    expect(dot.json).toMatchObject({
      set: "cli",
      format: "dot",
      levels: [["namespace"], ["config", "extra"]],
    });
    expect(dot.json.text).toContain('"namespace" -> "config";');
    const unknown = await cli(["graph", "nope", "--templates", templatesV1, "--json"]);
    expect(unknown.code).toBe(1);
    expect(unknown.json.error.message).toContain('template set "nope" not found');
  });

  it("stack status reports every service healthy", async () => {
    const run = await cli(["stack", "status", "--json"]);
    expect(run.code).toBe(0);
    expect(run.json.healthy).toBe(true);
    expect(run.json.services.map((s: { service: string }) => s.service)).toContain("postgres");
  });
});

describe("tenant-sync sync --remote (a fake Lambda endpoint)", () => {
  let server: http.Server;
  let endpoint: string;
  const invocations: { path: string; body: unknown }[] = [];

  beforeAll(async () => {
    stack();
    server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const payload = JSON.parse(body) as { tenant: string };
        invocations.push({ path: request.url ?? "", body: payload });
        if (payload.tenant === "boom") {
          response.writeHead(200, {
            "X-Amz-Function-Error": "Unhandled",
            "Content-Type": "application/json",
          });
          response.end(JSON.stringify({ errorType: "Error", errorMessage: "database unreachable" }));
          return;
        }
        response.writeHead(200, { "Content-Type": "application/json" });
        response.end(
          JSON.stringify({
            tenant: payload.tenant,
            outcome: {
              tenantKey: payload.tenant,
              action: "apply",
              cluster: "local",
              sets: [
                {
                  templateSet: "cli",
                  templateVersion: "abc",
                  phase: "Ready",
                  resources: [],
                  message: null,
                  appliedHash: "h",
                },
              ],
              pruned: 0,
              retryable: false,
              writes: 2,
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("invokes the function by name and prints its outcome", async () => {
    const run = await cli(["sync", "acme", "--remote", "--json"], {
      AWS_ENDPOINT_URL_LAMBDA: endpoint,
      TENANT_SYNC_RESYNC_FUNCTION: "tenant-sync-prod-resync",
    });
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({
      tenant: "acme",
      mode: "remote",
      function: "tenant-sync-prod-resync",
      ready: true,
    });
    expect(invocations.at(-1)).toEqual({
      path: "/2015-03-31/functions/tenant-sync-prod-resync/invocations",
      body: { tenant: "acme" },
    });
  });

  it("reports a function error with the function's message and exits 1", async () => {
    const run = await cli(["sync", "boom", "--remote", "--function", "resync-fn"], {
      AWS_ENDPOINT_URL_LAMBDA: endpoint,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("resync function resync-fn failed: Error: database unreachable");
  });

  it("needs a function name", async () => {
    const run = await cli(["sync", "acme", "--remote"], { TENANT_SYNC_RESYNC_FUNCTION: "" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--function <name> or TENANT_SYNC_RESYNC_FUNCTION");
  });
});

describe.each(DIALECTS)("tenant-sync against the local stack on %s", (dialect: Dialect) => {
  let fixture: EngineFixture;
  let engine: Engine;
  let env: Record<string, string>;
  const run = uniqueName("c");
  const slug = (id: string) => `${id}-${run}`;
  const tenants = ["alpha", "beta"];

  beforeAll(async () => {
    fixture = await engineFixture(dialect, `cli_${dialect}`);
    engine = fixture.engine(await fixture.loadSets(templatesV1));
    env = tenantsEnv({ databaseUrl: fixture.scratch.url, templatesDir: templatesV1 });
    await fixture.insert({ id: "alpha", slug: slug("alpha"), plan: "basic" });
    const outcome = await engine.reconcile("alpha");
    expect(outcome.sets.map((set) => set.phase)).toEqual(["Ready"]);
    // beta has a row but was never reconciled.
    await fixture.insert({ id: "beta", slug: slug("beta"), plan: "pro" });
  });

  afterAll(async () => {
    // Not a teardown by the engine, which waits for each namespace to be gone: on a busy cluster the
    // namespace controller can take minutes. The scratch database goes with the fixture.
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    for (const id of tenants) await core.deleteNamespace({ name: `cli-${slug(id)}` }).catch(() => {});
    await fixture?.close();
  });

  it("render: the tenant's objects from its row", async () => {
    const json = await cli(["render", "alpha", "--json"], env);
    expect(json.code).toBe(0);
    expect(json.json).toMatchObject({ tenant: "alpha", source: "database", active: true, errors: [] });
    const [set] = json.json.sets;
    expect(set).toMatchObject({ name: "cli", selected: true, defaultNamespace: `cli-${slug("alpha")}` });
    expect(set.resources.map((r: { resourceId: string }) => r.resourceId)).toEqual([
      "namespace",
      "config",
      "extra",
    ]);
    expect(set.resources[1].object.data).toEqual({ plan: "basic", replicas: "1" });

    const yaml = await cli(["render", "alpha", "--as-applied", "--set", "cli"], env);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain(`namespace: cli-${slug("alpha")}`);
    expect(yaml.stdout).toContain("app.kubernetes.io/managed-by: tenant-sync");
  });

  it("render: an unknown tenant exits 1 with a clear message", async () => {
    const run = await cli(["render", "nobody"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('tenant "nobody" not found: no row in tenants');
  });

  it("rollout: status of a set without rollouts, and a clear error for an unknown action", async () => {
    const none = await cli(["rollout", "status", "cli", "--json"], env);
    expect(none.code).toBe(0);
    expect(none.json).toEqual({ rollouts: [] });
    expect((await cli(["rollout", "status", "cli"], env)).stdout).toContain("no rollout");
    const bogus = await cli(["rollout", "bogus", "--json"], env);
    expect(bogus.code).toBe(1);
    expect(bogus.json.error.message).toMatch(/rollout expects \{"action": "start"\|"step"/);
  });

  it("sweep --dry-run: plans without acting, exit 0, the run's result as JSON", async () => {
    // Scoped to this file's template set, so the plan never includes other tests' objects.
    const scoped = { ...env, TENANT_SYNC_SWEEP_LABEL_SELECTOR: "tenant-sync.io/template-set=cli" };
    const result = await cli(["sweep", "--dry-run", "--json"], scoped);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ outcome: "DryRun", writes: 0 });
    expect(result.json.counts.liveObjects).toBeGreaterThan(0);
    const human = await cli(["sweep", "--dry-run"], scoped);
    expect(human.stdout).toMatch(/^sweep DryRun/);
  });

  it("status: one tenant's sets, exit 0 when Ready, 3 without status, 1 when unknown", async () => {
    const ready = await cli(["status", "alpha", "--json"], env);
    expect(ready.code).toBe(0);
    const version = (await fixture.loadSets(templatesV1))[0]?.version;
    expect(ready.json).toMatchObject({
      tenant: "alpha",
      ready: true,
      sets: [
        { templateSet: "cli", phase: "Ready", desired: 3, ready: 3, failed: 0, templateVersion: version },
      ],
    });
    expect(ready.json.sets[0].currentTemplateVersion).toBe(version);
    const human = await cli(["status", "alpha"], env);
    expect(human.stdout).toMatch(/cli\s+Ready\s+3\/3/);
    expect(human.stdout).toMatch(/(just now|\d+s ago)/);

    const pending = await cli(["status", "beta"], env);
    expect(pending.code).toBe(3);
    expect(pending.stdout).toContain("no status yet");

    const unknown = await cli(["status", "nobody", "--json"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.json.error.message).toContain('tenant "nobody" not found');
  });

  it("diff: nothing to do for a reconciled tenant, creates for a new one", async () => {
    const same = await cli(["diff", "--tenant", "alpha", "--json"], env);
    expect(same.code).toBe(0);
    expect(same.json.summary).toMatchObject({
      tenants: 1,
      unchanged: 3,
      create: 0,
      change: 0,
      prune: 0,
      error: 0,
    });
    expect(same.json.tenants[0].objects).toEqual([]);

    const fresh = await cli(["diff", "--tenant", "beta", "--json"], env);
    expect(fresh.code).toBe(3);
    expect(fresh.json.summary).toMatchObject({ create: 3, change: 0 });
    expect(
      fresh.json.tenants[0].objects.map((o: { status: string; kind: string }) => [o.status, o.kind]),
    ).toEqual([
      ["create", "Namespace"],
      ["create", "ConfigMap"],
      ["create", "ConfigMap"],
    ]);
  });

  it("diff: a row update shows the field change; a resource removed from the template shows a prune", async () => {
    await fixture.update("alpha", { plan: "pro" });
    const changed = await cli(["diff", "--tenant", "alpha", "--json"], env);
    expect(changed.code).toBe(3);
    const [config] = changed.json.tenants[0].objects;
    expect(config).toMatchObject({
      status: "change",
      templateSet: "cli",
      resourceId: "config",
      kind: "ConfigMap",
      namespace: `cli-${slug("alpha")}`,
      name: "settings",
    });
    expect(config.changes).toContainEqual({ path: "data.plan", op: "change", before: "basic", after: "pro" });
    expect(config.changes.map((c: { path: string }) => c.path)).toEqual([
      "data.plan",
      'metadata.annotations["tenant-sync.io/content-hash"]',
    ]);
    const human = await cli(["diff", "--tenant", "alpha"], env);
    expect(human.stdout).toContain('~ data.plan: "basic" -> "pro"');
    expect(human.stdout).toContain("1 to change");

    const pruned = await cli(["diff", "--tenant", "alpha", "--json"], {
      ...env,
      TENANT_SYNC_TEMPLATES_DIR: templatesV2,
    });
    expect(pruned.code).toBe(3);
    const objects = pruned.json.tenants[0].objects;
    expect(objects.find((o: { status: string }) => o.status === "prune")).toMatchObject({
      resourceId: "extra",
      kind: "ConfigMap",
      name: "extra",
      deletionPolicy: "Delete",
      message: expect.stringContaining("no longer in its template set"),
    });
    expect(pruned.json.summary).toMatchObject({ change: 1, prune: 1, unchanged: 1 });
  });

  it("diff --all: every tenant with a summary; usage and unknown tenants exit 1", async () => {
    const all = await cli(["diff", "--all", "--json"], env);
    expect(all.code).toBe(3);
    expect(all.json.summary).toMatchObject({ tenants: 2, tenantsWithDifferences: 2, create: 3, change: 1 });
    expect(all.json.tenants.map((t: { tenant: string }) => t.tenant)).toEqual(["alpha", "beta"]);

    expect((await cli(["diff"], env)).code).toBe(1);
    const unknown = await cli(["diff", "--tenant", "nobody"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('tenant "nobody" not found');
  });

  it("sync: reconciles in-process; exit 0 when Ready, then nothing differs", async () => {
    const synced = await cli(["sync", "alpha", "--json"], env);
    expect(synced.code).toBe(0);
    expect(synced.json).toMatchObject({ tenant: "alpha", mode: "in-process", ready: true });
    expect(synced.json.outcome.sets).toMatchObject([{ templateSet: "cli", phase: "Ready" }]);
    expect((await cli(["diff", "--tenant", "alpha"], env)).code).toBe(0);
  });

  it("sync: exit 3 when the tenant does not become Ready, and status says why", async () => {
    await fixture.update("beta", { note: "not a label!" });
    const failed = await cli(["sync", "beta", "--json"], env);
    expect(failed.code).toBe(3);
    expect(failed.json.ready).toBe(false);
    expect(failed.json.outcome.sets[0].phase).toBe("Failed");

    const status = await cli(["status", "beta", "--json"], env);
    expect(status.code).toBe(3);
    expect(status.json.sets[0].message).toContain("config");

    const fleet = await cli(["status", "--json"], env);
    expect(fleet.code).toBe(3);
    expect(fleet.json).toMatchObject({ tenants: 2, tenantsNotReady: 1 });
    expect(fleet.json.phases.Failed).toBe(1);
    expect(fleet.json.recentFailures).toMatchObject([
      { tenantKey: "beta", templateSet: "cli", phase: "Failed" },
    ]);

    const unknown = await cli(["sync", "nobody"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('tenant "nobody" not found');
  });

  it("a broken template set exits 2 for commands that load it", async () => {
    const run = await cli(["diff", "--tenant", "alpha", "--json"], {
      ...env,
      TENANT_SYNC_TEMPLATES_DIR: brokenTemplates,
    });
    expect(run.code).toBe(2);
    expect(run.json.error.problems.length).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/templateset\.yaml:5: /);
  });
});
