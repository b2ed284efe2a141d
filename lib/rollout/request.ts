/**
 * The rollout function's requests ({"action": "start" | "step" | "pause" | "resume" | "status", ...}),
 * carried out on a runtime. The schedule sends {"action": "step"}; a person sends the others.
 */
import { z } from "zod";
import type { Runtime } from "../runtime/runtime.ts";
import { pauseRollout, resumeRollout, startRollout } from "./control.ts";
import type { RolloutSummary } from "./model.ts";
import {
  commonOtherVersion,
  readActiveRollout,
  readActiveRollouts,
  readLatestRollout,
} from "./rollout-store.ts";
import { rolloutStatus, rolloutStep, stepRunningRollouts } from "./step.ts";
import { recordTemplateVersions } from "./version-store.ts";

/** Used when a start names no wave size or threshold: small waves, and the first failure halts. */
export const DEFAULT_WAVE_SIZE = 5;
export const DEFAULT_FAILURE_THRESHOLD = 0;

export const rolloutRequestSchema = z.strictObject({
  action: z.enum(["start", "step", "pause", "resume", "status"]),
  set: z.string().min(1).max(128).optional(),
  /** start: default the version most of the set's tenants run other than toVersion. */
  fromVersion: z.string().min(1).max(128).optional(),
  /** start: default the version this deployment ships. */
  toVersion: z.string().min(1).max(128).optional(),
  waveSize: z.union([z.number().int().min(1), z.string().regex(/^\d+(\.\d+)?%$/)]).optional(),
  failureThreshold: z.number().int().min(0).optional(),
  /** start: end the set's unfinished rollout instead of refusing. */
  replace: z.boolean().optional(),
});
export type RolloutRequest = z.infer<typeof rolloutRequestSchema>;

export interface RolloutResult {
  rollouts: RolloutSummary[];
}

export function parseRolloutRequest(event: unknown): RolloutRequest {
  const parsed = rolloutRequestSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(event)"}: ${issue.message}`,
    );
    throw new Error(
      `rollout expects {"action": "start"|"step"|"pause"|"resume"|"status", "set"?, "fromVersion"?, ` +
        `"toVersion"?, "waveSize"?, "failureThreshold"?, "replace"?}; ${problems.join("; ")}; got ` +
        `${JSON.stringify(event)?.slice(0, 200)}`,
    );
  }
  return parsed.data;
}

export async function handleRolloutRequest(
  runtime: Runtime,
  request: RolloutRequest,
): Promise<RolloutResult> {
  const { db } = runtime;
  // This deployment's versions must be on record before a rollout can keep tenants on them.
  await recordTemplateVersions(db, runtime.sets);
  const deployedVersions = new Map(runtime.sets.map((set) => [set.name, set.version]));
  const step = (id: number, set: string) =>
    rolloutStep(db, runtime.sqs, queueUrl(runtime), id, {
      log: runtime.log,
      ...(deployedVersions.has(set) ? { deployedVersion: deployedVersions.get(set) } : {}),
    });

  switch (request.action) {
    case "start": {
      const set = required(request.set, "start");
      const toVersion = request.toVersion ?? deployedVersions.get(set);
      if (toVersion === undefined) {
        throw new Error(
          `rollout start: this deployment has no template set ${JSON.stringify(set)} ` +
            `(it has ${[...deployedVersions.keys()].join(", ") || "none"}); name one, or give "toVersion"`,
        );
      }
      const fromVersion = request.fromVersion ?? (await commonOtherVersion(db, set, toVersion))?.version;
      if (fromVersion === undefined) {
        throw new Error(
          `rollout start: no tenant of template set ${set} runs a version other than ${toVersion} ` +
            "(tenant_sync_status); there is nothing to roll out",
        );
      }
      const rollout = await startRollout(db, {
        set,
        fromVersion,
        toVersion,
        waveSize: request.waveSize ?? DEFAULT_WAVE_SIZE,
        failureThreshold: request.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
        replace: request.replace ?? false,
      });
      return { rollouts: [await step(rollout.id, set)] };
    }
    case "step": {
      if (request.set === undefined) {
        return {
          rollouts: await stepRunningRollouts(db, runtime.sqs, queueUrl(runtime), {
            deployedVersions,
            log: runtime.log,
          }),
        };
      }
      const rollout = await activeOf(runtime, request.set);
      return { rollouts: [await step(rollout.id, rollout.templateSet)] };
    }
    case "pause": {
      const rollout = await pauseRollout(db, (await activeOf(runtime, required(request.set, "pause"))).id);
      return { rollouts: [await rolloutStatus(db, rollout.id)] };
    }
    case "resume": {
      const active = await activeOf(runtime, required(request.set, "resume"));
      await resumeRollout(db, active.id, {
        ...(request.waveSize === undefined ? {} : { waveSize: request.waveSize }),
        ...(request.failureThreshold === undefined ? {} : { failureThreshold: request.failureThreshold }),
      });
      return { rollouts: [await step(active.id, active.templateSet)] };
    }
    case "status": {
      if (request.set === undefined) {
        const active = await readActiveRollouts(db);
        return { rollouts: await Promise.all(active.map((rollout) => rolloutStatus(db, rollout.id))) };
      }
      const latest = await readLatestRollout(db, request.set);
      return { rollouts: latest ? [await rolloutStatus(db, latest.id)] : [] };
    }
  }
}

function required(set: string | undefined, action: string): string {
  if (set === undefined) throw new Error(`rollout ${action}: "set" is required (the template set's name)`);
  return set;
}

async function activeOf(runtime: Runtime, set: string) {
  const rollout = await readActiveRollout(runtime.db, set);
  if (!rollout) {
    throw new Error(
      `template set ${JSON.stringify(set)} has no unfinished rollout (see {"action": "status"})`,
    );
  }
  return rollout;
}

function queueUrl(runtime: Runtime): string {
  const url = runtime.config.queueUrl;
  if (!url) throw new Error("TENANT_SYNC_QUEUE_URL is not set: a rollout enqueues the tenants it admits");
  return url;
}
