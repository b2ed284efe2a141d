/**
 * When to look at a tenant again whose objects are applied but not ready yet (docs/engine.md, "The deadline and
 * the recheck"). The engine writes a recheck row to the outbox (lib/pipeline/outbox/outbox-recheck.ts) in the same
 * transaction as the Progressing status, due after this back-off; the relay sends it once due.
 */
import type { SetOutcome } from "./outcome.ts";

export interface RecheckSettings {
  /** First wait after an object is applied, in seconds (default 5). */
  initialSeconds: number;
  /** Longest wait between two rechecks, in seconds (default 60). */
  maxSeconds: number;
}

export const DEFAULT_RECHECK: RecheckSettings = { initialSeconds: 5, maxSeconds: 60 };

/**
 * Seconds until the next recheck, or undefined when nothing is awaited (steady state: no row is written).
 * The wait is as long as the longest-awaited object has been awaited so far (so it doubles with each
 * recheck: 5, 10, 20, 40 s), between initialSeconds and maxSeconds, and never past the earliest readiness
 * timeout, so a Failed comes on time. Resources not started before the deadline are looked at after the
 * initial wait.
 */
export function recheckDelaySeconds(
  sets: readonly SetOutcome[],
  settings: RecheckSettings,
  now = Date.now(),
): number | undefined {
  const resources = sets.flatMap((set) => set.resources);
  if (!resources.some((r) => r.state === "progressing" || r.state === "pending")) return undefined;
  const awaited = resources.flatMap((r) => (r.awaiting ? [r.awaiting] : []));
  const longest = Math.max(0, ...awaited.map((a) => now - a.since)) / 1000;
  const delay = Math.min(Math.max(longest, settings.initialSeconds), settings.maxSeconds);
  const timeoutIn = Math.min(...awaited.map((a) => a.timeoutAt - now)) / 1000;
  return Math.max(1, Math.min(delay, timeoutIn));
}
