import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStatus } from "../../lib/db/status-store.ts";
import { type EngineFixture, engineFixture, TENANTS_DDL, writeSets } from "../support/engine.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";

const core = adminKubeConfig().makeApiClient(CoreV1Api);

describe("a row value Kubernetes rejects with HTTP 500", () => {
  let fixture: EngineFixture;
  const namespace = uniqueName("badval");

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "engine_badval", {
      tenantsDdl: TENANTS_DDL.postgres.replace(/\)$/, ", settings jsonb NOT NULL DEFAULT '{}')"),
    });
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
    await fixture?.close();
  });

  it("fails the resource with the API server's reason, and is not retried", async () => {
    const dir = writeSets({
      app: {
        "templateset.yaml": `name: app
namespace: "${namespace}"
resources:
  - id: web
    file: web.yaml.mustache
    readiness: { wait: false }
`,
        // A JSON column in plain position keeps its type: {"replicas":"abc"} puts a string into spec.replicas.
        "web.yaml.mustache": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: "web-{{id}}"
spec:
  replicas: {{settings.replicas}}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: app
          image: nginx
`,
      },
    });
    await fixture.insert({ id: "abc", slug: "abc", settings: JSON.stringify({ replicas: "abc" }) });
    const outcome = await fixture.engine(await fixture.loadSets(dir)).reconcile("abc");

    const web = outcome.sets[0]?.resources.find((r) => r.resourceId === "web");
    expect(web?.state).toBe("failed");
    // The API server's own words say what is wrong; a 500 for this is still the request's fault.
    expect(web?.message).toMatch(/HTTP 500.*spec\.replicas/);
    expect(web?.transient, "a schema type error was classified as transient").toBe(false);
    expect(outcome.retryable, "a data error would be redelivered until it is dead-lettered").toBe(false);
    const [status] = await readStatus(fixture.db, { tenantKey: "abc" });
    expect(status?.phase).toBe("Failed");
    expect(status?.message).toMatch(/web: .*spec\.replicas/);
  });
});
