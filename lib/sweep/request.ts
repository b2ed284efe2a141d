import { z } from "zod";
import { TenantSyncError } from "../errors.ts";

/** What one invocation may ask for; anything else about a run is deployment configuration. */
export const sweepRequestSchema = z.strictObject({
  dryRun: z.boolean().optional(),
  allowMassDelete: z.boolean().optional(),
});
export type SweepRequest = z.infer<typeof sweepRequestSchema>;

/** An EventBridge schedule's event: it carries no flags, so it is a plain run. */
const scheduledEventSchema = z.looseObject({ source: z.literal("aws.events"), "detail-type": z.string() });
const isScheduledEvent = (event: unknown): boolean => scheduledEventSchema.safeParse(event).success;

/**
 * The sweep function's event as its parser middleware reads it: a schedule's event and no event are a plain
 * run, else the flags a person gives. Refused events are explained by parseSweepRequest.
 */
export const sweepEventSchema = z.union([
  scheduledEventSchema.transform(() => ({})),
  z.union([z.null(), z.undefined()]).transform(() => ({})),
  sweepRequestSchema,
]);

/**
 * The sweep function's event: a schedule's event, nothing, or `{"dryRun": true}` and/or
 * `{"allowMassDelete": true}` from a person invoking it. A misspelt flag is an error, never a plain run.
 */
export function parseSweepRequest(event: unknown): SweepRequest {
  if (event === undefined || event === null || isScheduledEvent(event)) return {};
  const parsed = sweepRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new TenantSyncError(
      `sweep expects a scheduled event, {}, {"dryRun": true} or {"allowMassDelete": true}; got ${JSON.stringify(event)?.slice(0, 200)}`,
    );
  }
  return parsed.data;
}
