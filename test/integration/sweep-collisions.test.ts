import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import type { Dialect } from "../../lib/db/dialect.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { LABEL_TENANT, tenantLabelValue } from "../../lib/kube/labels.ts";
import { createLog } from "../../lib/log.ts";
import type { SweepOptions } from "../../lib/sweep/options.ts";
import { Sweeper } from "../../lib/sweep/sweep.ts";
import { DIALECTS } from "../support/databases.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { adminKubeConfig, uniqueName } from "../support/stack.ts";
import { SCOPE_LABEL } from "../support/sweep.ts";
import { NAMESPACE_THEN_CONFIG } from "../support/template-sets.ts";

const core = adminKubeConfig().makeApiClient(CoreV1Api);

/**
 * Issue 12, defect 1. Names go through dnsLabel, so `acme`, `acme-`, `acme_` and `ACME!` render the same
 * Namespace and ConfigMap. The engine gives them to the first tenant and refuses the others; the sweep must
 * keep them with that owner too. The config is applied even when the namespace failed, so a tenant that is
 * wrongly repaired really writes into the owner's namespace.
 */
function collidingSet(run: string): Record<string, string> {
  const scope = `    ${SCOPE_LABEL}: "${run}"`;
  return {
    "templateset.yaml": `name: col
namespace: "{{#dnsLabel}}${run}-{{tenant.key}}{{/dnsLabel}}"
${NAMESPACE_THEN_CONFIG}    skipOnDependencyFailure: false
`,
    "namespace.yaml.mustache": `apiVersion: v1
kind: Namespace
metadata:
  name: {{namespace}}
  labels:
${scope}
`,
    "config.yaml.mustache": `apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  labels:
${scope}
data:
  owner: "{{tenant.key}}"
`,
  };
}

const OWNER = "acme";
// Distinct keys under PostgreSQL's and MariaDB's (case-insensitive) collations alike; all after the owner.
const COLLIDERS = ["acme-", "acme_", "ACME!"];

interface CollisionWorld {
  run: string;
  fixture: EngineFixture;
  namespaceOf(tenant: string): string;
  /** Inserts tenants and reconciles them one after the other, returning each one's phase. */
  provision(...tenants: string[]): Promise<string[]>;
  sweep(options?: Partial<SweepOptions>): ReturnType<Sweeper["run"]>;
  /** The namespace and ConfigMap at the colliding place: owner label and resource versions. */
  snapshot(): Promise<{ owners: (string | undefined)[]; versions: (string | undefined)[] }>;
}

describe.each<[Dialect]>(DIALECTS)("sweep of tenants whose objects collide, on %s", (dialect) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function world(prefix: string): Promise<CollisionWorld> {
    const run = uniqueName("col");
    const fixture = await engineFixture(dialect, `${prefix}_${dialect}`);
    const sets = await fixture.loadSets(writeSets({ col: collidingSet(run) }));
    const engine = fixture.engine(sets);
    const log = createLog("tenant-sync-sweep-test");
    const namespaceOf = (tenant: string) => `${run}-${tenant.toLowerCase().replace(/[^a-z0-9]+$/, "")}`;
    const shared = namespaceOf(OWNER);
    const provisioned = new Set<string>();
    cleanups.push(async () => {
      for (const namespace of provisioned) await core.deleteNamespace({ name: namespace }).catch(() => {});
      await fixture.close();
    });
    return {
      run,
      fixture,
      namespaceOf,
      async provision(...tenants) {
        const phases: string[] = [];
        for (const tenant of tenants) {
          provisioned.add(namespaceOf(tenant));
          await fixture.insert({ id: tenant, slug: tenant });
          const outcome = await engine.reconcile(tenant);
          phases.push(outcome.sets[0]?.phase ?? "none");
        }
        return phases;
      },
      sweep: (options = {}) =>
        new Sweeper({
          db: fixture.db,
          source: fixture.source,
          sets,
          clusters: fixture.clusters,
          log,
          engine,
        }).run({
          inline: true,
          labelSelector: `${SCOPE_LABEL}=${run}`,
          deepCheckMaxTenants: 0,
          // The valves must not hide a wrong plan: this suite checks the plan itself.
          maxDeleteShare: 1,
          ...options,
        }),
      async snapshot() {
        const objects = await Promise.all([
          core.readNamespace({ name: shared }),
          core.readNamespacedConfigMap({ name: "config", namespace: shared }),
        ]);
        return {
          owners: objects.map((o) => o.metadata?.labels?.[LABEL_TENANT]),
          versions: objects.map((o) => o.metadata?.resourceVersion),
        };
      },
    };
  }

  const phaseOf = async (w: CollisionWorld, tenant: string) =>
    (await readStatus(w.fixture.db, { tenantKey: tenant }))[0]?.phase;

  it("keeps the objects with the tenant that owns them, reports the other tenants as colliding and deletes nothing", async () => {
    const w = await world("sw_collide");
    expect(await w.provision(OWNER)).toEqual(["Ready"]);
    expect(await w.provision(...COLLIDERS)).toEqual(["Failed", "Failed", "Failed"]);
    expect(await w.provision("beta", "gamma")).toEqual(["Ready", "Ready"]);
    const before = await w.snapshot();
    expect(before.owners).toEqual([OWNER, OWNER]);

    const result = await w.sweep();
    expect(result.plan.removals).toEqual([]);
    expect(result.outcome).toBe("Done");
    expect(result.counts).toMatchObject({ orphans: 0, removed: 0, tenantsToRepair: 0, colliding: 6 });
    expect(result.writes).toBe(0);
    expect(await w.snapshot()).toEqual(before);
    const shared = w.namespaceOf(OWNER);
    expect(
      result.plan.collisions
        .map((c) => ({ ...c, tenants: [...c.tenants].sort() }))
        .sort((x, y) => x.object.localeCompare(y.object)),
    ).toEqual([
      {
        object: `v1 ConfigMap ${shared}/config on cluster local`,
        owner: OWNER,
        tenants: [...COLLIDERS].sort(),
      },
      { object: `v1 Namespace ${shared} on cluster local`, owner: OWNER, tenants: [...COLLIDERS].sort() },
    ]);

    // Nothing changes on the next run, and the owner is still in order with nothing to write.
    const again = await w.sweep();
    expect(again.plan.removals).toEqual([]);
    expect(again.counts).toMatchObject({ orphans: 0, tenantsToRepair: 0, colliding: 6 });
    expect(again.writes).toBe(0);
    expect(await w.snapshot()).toEqual(before);
    expect(await phaseOf(w, OWNER)).toBe("Ready");
  });

  it("repairs an object deleted by hand for the tenant that had it, never for a tenant whose name collides", async () => {
    const w = await world("sw_collide_repair");
    await w.provision(OWNER);
    await w.provision(...COLLIDERS);
    const shared = w.namespaceOf(OWNER);
    await core.deleteNamespacedConfigMap({ name: "config", namespace: shared });

    const result = await w.sweep();
    // The colliding tenants are Failed, so the sweep retries them (sweep.md, "Failed tenants"); a retry is a
    // reconcile the engine refuses again. The drift repair itself is for the owner alone.
    const drift = result.plan.repairs
      .map(({ tenant, reasons }) => ({ tenant, reasons: reasons.filter((r) => !r.startsWith("retry ")) }))
      .filter(({ reasons }) => reasons.length > 0);
    expect(drift).toEqual([{ tenant: OWNER, reasons: ["deleted-by-hand col/config"] }]);
    expect(
      result.plan.repairs
        .filter(({ tenant }) => tenant !== OWNER)
        .map((r) => r.tenant)
        .sort(),
    ).toEqual([...COLLIDERS].sort());
    for (const collider of COLLIDERS) expect(await phaseOf(w, collider)).toBe("Failed");
    expect(result.plan.removals).toEqual([]);
    const config = await core.readNamespacedConfigMap({ name: "config", namespace: shared });
    expect(config.metadata?.labels?.[LABEL_TENANT]).toBe(OWNER);
    expect(config.data).toEqual({ owner: OWNER });

    const again = await w.sweep();
    expect(again.plan.removals).toEqual([]);
    expect(again.counts).toMatchObject({ orphans: 0, tenantsToRepair: 0, colliding: 6 });
    expect((await w.snapshot()).owners).toEqual([OWNER, OWNER]);
    expect(await phaseOf(w, OWNER)).toBe("Ready");
  });

  it("when nobody has the object yet, repairs every tenant that renders it; the first to apply it keeps it", async () => {
    const w = await world("sw_collide_new");
    const [first, second] = ["acme-", "acme_"] as const;
    // Rows inserted while the pipeline was stopped: nothing was applied for either.
    for (const tenant of [first, second]) await w.fixture.insert({ id: tenant, slug: tenant });

    const result = await w.sweep({ concurrency: 1 });
    expect(result.counts).toMatchObject({ missing: 4, colliding: 4, tenantsToRepair: 2, orphans: 0 });
    const before = await w.snapshot();
    const owner = [first, second].find((t) => tenantLabelValue(t) === before.owners[0]);
    expect(owner).toBeDefined();
    expect(before.owners).toEqual([before.owners[0], before.owners[0]]);

    // From now on the owner keeps them: no repair hands them over, nothing is deleted.
    const again = await w.sweep();
    expect(again.counts).toMatchObject({ orphans: 0, tenantsToRepair: 0, colliding: 2, missing: 0 });
    expect(again.plan.collisions.map((c) => c.owner)).toEqual([owner, owner]);
    expect(await w.snapshot()).toEqual(before);
    expect(await phaseOf(w, owner as string)).toBe("Ready");
  });
});
