/**
 * The engine's side of a rollout: tenants a rollout has not admitted yet are rendered with the version
 * they run (from_version), not the one the deployment ships. Plugged into the Engine as its VersionResolver.
 */
import type { Queryable } from "../db/queryable.ts";
import type { VersionResolver } from "../engine/engine.ts";
import { TenantSyncError } from "../errors.ts";
import type { Log } from "../log.ts";
import type { TemplateSet } from "../templates/model.ts";
import type { Rollout } from "./model.ts";
import { readActiveRollouts, readTenantRolloutRows } from "./rollout-store.ts";
import { loadTemplateVersion, recordTemplateVersions } from "./version-store.ts";

export interface RolloutVersionsDeps {
  db: Queryable;
  log: Log;
  /** How long the list of unfinished rollouts is reused (default 5 s); 0 reads it on every reconcile. */
  cacheTtlMs?: number;
  now?: () => number;
}

/**
 * A tenant is kept on a set's from_version while the set has an unfinished rollout (Running, Paused or
 * Halted), the rollout has not admitted the tenant, and the tenant's status row for the set (not Deleted)
 * shows from_version. New tenants, admitted tenants and tenants on any other version get the loaded set.
 *
 * Cost: the unfinished rollouts are read at most once per cacheTtlMs; a tenant of a set with one costs one
 * more query (its status rows joined with its admissions). Without rollouts a reconcile costs no query.
 * Old versions are loaded from tenant_sync_template_versions once per process.
 *
 * It also stores the versions it is given (once per process and version): the versions a deployment runs
 * must be on record before the next deployment replaces them, or a rollout could not keep tenants on them.
 */
export class RolloutVersions implements VersionResolver {
  private readonly deps: RolloutVersionsDeps;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private active: { at: number; rollouts: Promise<Rollout[]> } | undefined;
  private readonly loaded = new Map<string, Promise<TemplateSet>>();
  private readonly recorded = new Set<string>();
  private warnedMissingTables = false;

  constructor(deps: RolloutVersionsDeps) {
    this.deps = deps;
    this.ttlMs = deps.cacheTtlMs ?? 5_000;
    this.now = deps.now ?? Date.now;
  }

  async setsFor(tenantKey: string, sets: readonly TemplateSet[]): Promise<readonly TemplateSet[]> {
    const rollouts = (await this.activeRollouts(sets)).filter((rollout) =>
      sets.some((set) => set.name === rollout.templateSet && set.version !== rollout.fromVersion),
    );
    if (rollouts.length === 0) return sets;
    const rows = await readTenantRolloutRows(this.deps.db, tenantKey, rollouts);
    const pins = new Map<string, Rollout>();
    for (const rollout of rollouts) {
      const mine = rows.filter((row) => row.templateSet === rollout.templateSet);
      const status = mine[0];
      const onFrom = status?.version === rollout.fromVersion && status.phase !== "Deleted";
      const admitted = mine.some((row) => row.admittedBy === rollout.id);
      if (onFrom && !admitted) pins.set(rollout.templateSet, rollout);
    }
    if (pins.size === 0) return sets;
    return Promise.all(
      sets.map((set) => {
        const pin = pins.get(set.name);
        return pin ? this.version(pin, tenantKey) : set;
      }),
    );
  }

  /** Forgets the cached rollouts, so the next reconcile reads them (after a start in this process). */
  invalidate(): void {
    this.active = undefined;
  }

  private async activeRollouts(sets: readonly TemplateSet[]): Promise<Rollout[]> {
    const at = this.now();
    if (this.active && at - this.active.at < this.ttlMs) return this.active.rollouts;
    const rollouts = this.refresh(sets);
    this.active = { at, rollouts };
    rollouts.catch(() => {
      if (this.active?.rollouts === rollouts) this.active = undefined;
    });
    return rollouts;
  }

  private async refresh(sets: readonly TemplateSet[]): Promise<Rollout[]> {
    await this.record(sets);
    try {
      return await readActiveRollouts(this.deps.db);
    } catch (error) {
      // Before migration 005 there can be no rollout: render as without one.
      if (isMissingTable(error)) {
        this.warnMissingTables(error);
        return [];
      }
      throw error;
    }
  }

  /** Best effort: a failure is logged and tried again at the next refresh, never fails a reconcile. */
  private async record(sets: readonly TemplateSet[]): Promise<void> {
    const missing = sets.filter((set) => !this.recorded.has(`${set.name}@${set.version}`));
    if (missing.length === 0) return;
    try {
      const added = await recordTemplateVersions(this.deps.db, missing);
      for (const set of missing) this.recorded.add(`${set.name}@${set.version}`);
      if (added.length > 0) this.deps.log.info("template versions recorded", { versions: added });
    } catch (error) {
      if (isMissingTable(error)) this.warnMissingTables(error);
      else this.deps.log.warn("template versions not recorded", { error: (error as Error).message });
    }
  }

  private version(rollout: Rollout, tenantKey: string): Promise<TemplateSet> {
    const key = `${rollout.templateSet}@${rollout.fromVersion}`;
    let set = this.loaded.get(key);
    if (!set) {
      set = loadTemplateVersion(this.deps.db, rollout.templateSet, rollout.fromVersion);
      this.loaded.set(key, set);
      set.catch(() => this.loaded.delete(key));
    }
    return set.catch((error) => {
      throw new TenantSyncError(
        `tenant ${JSON.stringify(tenantKey)}: rollout ${rollout.id} keeps it on version ${rollout.fromVersion} ` +
          `of template set ${rollout.templateSet}, which cannot be loaded: ${(error as Error).message}`,
        { cause: error, tenant: tenantKey, templateSet: rollout.templateSet },
      );
    });
  }

  private warnMissingTables(error: unknown): void {
    if (this.warnedMissingTables) return;
    this.warnedMissingTables = true;
    this.deps.log.warn(
      "rollout tables missing: run the migrations; rendering every tenant with the loaded sets",
      {
        error: (error as Error).message,
      },
    );
  }
}

/** PostgreSQL's undefined_table, MySQL's ER_NO_SUCH_TABLE. */
function isMissingTable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "42P01" || code === "ER_NO_SUCH_TABLE";
}
