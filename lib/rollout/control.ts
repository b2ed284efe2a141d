/** Starting, pausing and resuming rollouts: the person's side. Waves are admitted by rolloutStep. */
import type { Queryable } from "../db/queryable.ts";
import { TenantSyncError } from "../errors.ts";
import type { Rollout } from "./model.ts";
import {
  countOnVersion,
  insertRollout,
  readActiveRollout,
  readRollout,
  updateRollout,
} from "./rollout-store.ts";
import { hasTemplateVersion } from "./version-store.ts";
import { resolveWaveSize } from "./wave-plan.ts";

export interface StartRollout {
  set: string;
  fromVersion: string;
  toVersion: string;
  /** Tenants in progress at once: a count (5) or a share of the tenants on fromVersion ("10%"). */
  waveSize: number | string;
  /** More failed tenants than this halt the rollout (0: the first failure halts it). */
  failureThreshold: number;
  /** End the set's unfinished rollout (state Done, with a message) instead of refusing to start. */
  replace?: boolean;
}

/**
 * Starts a rollout of a set from one version to another. From now on, tenants whose status shows
 * fromVersion stay on it until a step admits them. Refused when the set already has an unfinished rollout
 * (unless `replace`), or when fromVersion's files are not stored (its tenants could not be rendered).
 */
export async function startRollout(db: Queryable, start: StartRollout): Promise<Rollout> {
  const { set, fromVersion, toVersion } = start;
  const where = `rollout of template set ${JSON.stringify(set)}`;
  if (typeof set !== "string" || set === "")
    throw new TenantSyncError("startRollout: set must be a template set name");
  if (fromVersion === toVersion) {
    throw new TenantSyncError(
      `${where}: fromVersion and toVersion are both ${fromVersion}; there is nothing to move`,
      { templateSet: set, field: "toVersion" },
    );
  }
  if (!Number.isInteger(start.failureThreshold) || start.failureThreshold < 0) {
    throw new TenantSyncError(
      `${where}: failureThreshold must be a whole number of tenants, 0 or more, got ${JSON.stringify(start.failureThreshold)}`,
      { templateSet: set, field: "failureThreshold" },
    );
  }
  if (!(await hasTemplateVersion(db, set, fromVersion))) {
    throw new TenantSyncError(
      `${where}: version ${fromVersion} is not stored in tenant_sync_template_versions, so tenants could not ` +
        "be kept on it. A deployment stores the versions it runs when it first reconciles a tenant; one that " +
        "predates rollouts did not. Deploy that version once more with this release, or record it from a " +
        "checkout of it (recordTemplateVersions).",
      { templateSet: set, field: "fromVersion" },
    );
  }
  try {
    return await db.transaction(async (tx) => {
      const active = await readActiveRollout(tx, set);
      if (active && !start.replace) throw alreadyActive(where, active);
      if (active) {
        await updateRollout(tx, active.id, {
          state: "Done",
          message: `replaced by a rollout from ${fromVersion} to ${toVersion}`,
        });
      }
      const tenants = await countOnVersion(tx, set, fromVersion);
      return insertRollout(tx, {
        templateSet: set,
        fromVersion,
        toVersion,
        waveSize: resolveWaveSize(start.waveSize, tenants, `${where}: waveSize`),
        failureThreshold: start.failureThreshold,
      });
    });
  } catch (error) {
    // Two starts at the same moment: the unique index lets one through.
    if (isUniqueViolation(error)) {
      const active = await readActiveRollout(db, set);
      if (active) throw alreadyActive(where, active);
    }
    throw error;
  }
}

/** Stops admitting waves; tenants already admitted carry on. Only a Running rollout changes. */
export async function pauseRollout(db: Queryable, id: number): Promise<Rollout> {
  return db.transaction(async (tx) => {
    const rollout = await mustRead(tx, id);
    if (rollout.state !== "Running") return rollout;
    await updateRollout(tx, id, {
      state: "Paused",
      message: `paused after wave ${rollout.currentWave}; resume to admit the next one`,
    });
    return mustRead(tx, id);
  });
}

export interface ResumeOptions {
  /** A count, or a share of the tenants still on fromVersion ("10%"). */
  waveSize?: number | string;
  failureThreshold?: number;
}

/**
 * Lets a Paused or Halted rollout admit waves again, optionally with a new wave size or threshold (a higher
 * threshold accepts the failures that halted it). A Done rollout cannot be resumed.
 */
export async function resumeRollout(
  db: Queryable,
  id: number,
  options: ResumeOptions = {},
): Promise<Rollout> {
  return db.transaction(async (tx) => {
    const rollout = await mustRead(tx, id);
    const where = `rollout ${id} of template set ${rollout.templateSet}`;
    if (rollout.state === "Done") {
      throw new TenantSyncError(`${where} is Done and cannot be resumed; start a new rollout instead`, {
        templateSet: rollout.templateSet,
      });
    }
    const { failureThreshold } = options;
    const waveSize =
      options.waveSize === undefined
        ? undefined
        : resolveWaveSize(
            options.waveSize,
            await countOnVersion(tx, rollout.templateSet, rollout.fromVersion),
            `${where}: waveSize`,
          );
    if (failureThreshold !== undefined && (!Number.isInteger(failureThreshold) || failureThreshold < 0)) {
      throw new TenantSyncError(
        `${where}: failureThreshold must be a whole number of tenants, 0 or more, got ${JSON.stringify(failureThreshold)}`,
        { templateSet: rollout.templateSet, field: "failureThreshold" },
      );
    }
    await updateRollout(tx, id, {
      state: "Running",
      ...(rollout.state === "Running" ? {} : { message: null }),
      ...(waveSize === undefined ? {} : { waveSize }),
      ...(failureThreshold === undefined ? {} : { failureThreshold }),
    });
    return mustRead(tx, id);
  });
}

async function mustRead(q: Queryable, id: number): Promise<Rollout> {
  const rollout = await readRollout(q, id, { lock: true });
  if (!rollout) throw new TenantSyncError(`tenant_sync_rollouts has no rollout ${id}`);
  return rollout;
}

function alreadyActive(where: string, active: Rollout): Error {
  return new TenantSyncError(
    `${where}: rollout ${active.id} (${active.state}, ${active.fromVersion} → ${active.toVersion}) is not ` +
      'finished; let it finish, or start with "replace": true to end it and start this one',
    { templateSet: active.templateSet },
  );
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "23505" || code === "ER_DUP_ENTRY";
}
