import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Queryable } from "../../lib/db/queryable.ts";
import { Engine } from "../../lib/engine/engine.ts";
import { statusCode } from "../../lib/kube/api-errors.ts";
import { createLog } from "../../lib/log.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { adminKubeConfig, eventually, stack, uniqueName } from "../support/stack.ts";
import { NAMESPACE_THEN_CONFIG } from "../support/template-sets.ts";

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const run = uniqueName("crash");
const ns = (id: string) => `${run}-${id}`;

const set = {
  "templateset.yaml": `name: app
namespace: "${run}-{{slug}}"
${NAMESPACE_THEN_CONFIG}`,
  "namespace.yaml.mustache": `apiVersion: v1
kind: Namespace
metadata:
  name: "${run}-{{slug}}"
`,
  "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  plan: "{{plan}}"
`,
};

/**
 * The database as a worker sees it when the connection dies right after the objects were applied: every
 * inventory write after the first apply fails. (Found by the fault suite: the database restarted between a
 * tenant's applies and its inventory write, the tenant was then deactivated, and its teardown knew of none
 * of its objects, so they stayed until a sweep.)
 */
function lostAfterApply(db: Queryable, applied: () => boolean): Queryable {
  const failing: Queryable = {
    dialect: db.dialect,
    query: (sql, params) =>
      applied() && /^\s*INSERT INTO tenant_sync_inventory/i.test(sql)
        ? Promise.reject(new Error("Connection terminated unexpectedly"))
        : db.query(sql, params),
    transaction: (fn) => db.transaction((tx) => fn(lostAfterApply(tx, applied))),
  };
  return failing;
}

describe("a reconcile that dies after applying", () => {
  let fixture: EngineFixture;
  beforeAll(async () => {
    fixture = await engineFixture("postgres", "crash");
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: ns("t1") }).catch(() => {});
    await fixture.close();
  });

  it("leaves nothing its tenant's later teardown does not know about", async () => {
    const info = stack();
    const sets = await fixture.loadSets(writeSets({ app: set }));
    const client = await fixture.clusters.client(info.clusterName);
    let applies = 0;
    const apply = client.apply.bind(client);
    client.apply = async (object, options) => {
      const result = await apply(object, options);
      applies++;
      return result;
    };
    const db = lostAfterApply(fixture.db, () => applies > 0);
    const source = fixture.source;
    const crashing = new Engine({
      sets,
      db,
      source,
      clusters: fixture.clusters,
      log: createLog("crash-test"),
    });

    await fixture.insert({ id: "t1", slug: "t1" });
    await expect(crashing.reconcile("t1")).rejects.toThrow(/Connection terminated/);
    expect((await core.readNamespacedConfigMap({ name: "app-config", namespace: ns("t1") })).data).toEqual({
      plan: "basic",
    });

    // The tenant is deleted; the next reconcile (a healthy worker) must remove what the dead one applied.
    await fixture.remove("t1");
    client.apply = apply;
    const outcome = await fixture.engine(sets).reconcile("t1");
    expect(outcome.action).toBe("teardown");
    expect(outcome.pruned).toBe(2);
    await eventually(
      "namespace gone",
      () =>
        core.readNamespace({ name: ns("t1") }).then(
          () => false,
          (error) => statusCode(error) === 404,
        ),
      120_000,
    );
  });
});
