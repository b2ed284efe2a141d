/**
 * The rollout function's requests ({"action": "start" | "step" | "pause" | "resume" | "status", ...}),
 * carried out on the ports a runtime gives. The schedule sends {"action": "step"}; a person sends the others.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import type { RuntimeConfig } from "../config.ts";
import { requireQueueUrl } from "../config.ts";
import { issueLines } from "../config-parse.ts";
import type { Queryable } from "../db/queryable.ts";
import { TenantSyncError } from "../errors.ts";
import type { Log } from "../log.ts";
import type { TemplateSet } from "../templates/model.ts";
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

/** What a rollout request uses: the database, the sets this deployment ships and the queue it admits tenants to. */
export interface RolloutPorts {
  db: Queryable;
  sets: readonly TemplateSet[];
  sqs: SQSClient;
  config: Pick<RuntimeConfig, "queueUrl">;
  log: Log;
}

export function parseRolloutRequest(event: unknown): RolloutRequest {
  const parsed = rolloutRequestSchema.safeParse(event);
  if (!parsed.success) {
    const problems = issueLines(parsed.error, "(event)");
    throw new TenantSyncError(
      `rollout expects {"action": "start"|"step"|"pause"|"resume"|"status", "set"?, "fromVersion"?, ` +
        `"toVersion"?, "waveSize"?, "failureThreshold"?, "replace"?}; ${problems.join("; ")}; got ` +
        `${JSON.stringify(event)?.slice(0, 200)}`,
    );
  }
  return parsed.data;
}

export async function handleRolloutRequest(
  ports: RolloutPorts,
  request: RolloutRequest,
): Promise<RolloutResult> {
  const { db } = ports;
  // This deployment's versions must be on record before a rollout can keep tenants on them.
  await recordTemplateVersions(db, ports.sets);
  const deployedVersions = new Map(ports.sets.map((set) => [set.name, set.version]));
  const step = (id: number, set: string) =>
    rolloutStep(db, ports.sqs, queueUrl(ports), id, {
      log: ports.log,
      ...(deployedVersions.has(set) ? { deployedVersion: deployedVersions.get(set) } : {}),
    });

  switch (request.action) {
    case "start": {
      const set = required(request.set, "start");
      const toVersion = request.toVersion ?? deployedVersions.get(set);
      if (toVersion === undefined) {
        throw new TenantSyncError(
          `rollout start: this deployment has no template set ${JSON.stringify(set)} ` +
            `(it has ${[...deployedVersions.keys()].join(", ") || "none"}); name one, or give "toVersion"`,
        );
      }
      const fromVersion = request.fromVersion ?? (await commonOtherVersion(db, set, toVersion))?.version;
      if (fromVersion === undefined) {
        throw new TenantSyncError(
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
          rollouts: await stepRunningRollouts(db, ports.sqs, queueUrl(ports), {
            deployedVersions,
            log: ports.log,
          }),
        };
      }
      const rollout = await activeOf(ports, request.set);
      return { rollouts: [await step(rollout.id, rollout.templateSet)] };
    }
    case "pause": {
      const rollout = await pauseRollout(db, (await activeOf(ports, required(request.set, "pause"))).id);
      return { rollouts: [await rolloutStatus(db, rollout.id)] };
    }
    case "resume": {
      const active = await activeOf(ports, required(request.set, "resume"));
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
  if (set === undefined) {
    throw new TenantSyncError(`rollout ${action}: "set" is required (the template set's name)`, {
      field: "set",
    });
  }
  return set;
}

async function activeOf(ports: RolloutPorts, set: string) {
  const rollout = await readActiveRollout(ports.db, set);
  if (!rollout) {
    throw new TenantSyncError(
      `template set ${JSON.stringify(set)} has no unfinished rollout (see {"action": "status"})`,
    );
  }
  return rollout;
}

function queueUrl(ports: RolloutPorts): string {
  return requireQueueUrl(ports.config, "a rollout enqueues the tenants it admits");
}
