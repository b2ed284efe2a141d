import { z } from "zod";
import { issueLines } from "../config-parse.ts";
import { TenantSyncError } from "../errors.ts";

/**
 * What travels on the queue: only "tenant K may have changed" and why. The consumer always re-reads the
 * row, so duplicates, reordering and redrives are harmless.
 */
export const tenantMessageSchema = z.strictObject({
  tenant: z.string().min(1).max(255),
  reason: z.enum(["insert", "update", "delete", "webhook", "sweep", "resync", "rollout", "recheck"]),
  /** When the change happened (commit time for outbox rows). */
  at: z.iso.datetime({ offset: true }),
  /** The outbox row id, when the message came from the outbox. */
  outboxId: z.string().optional(),
});

export type TenantMessage = z.infer<typeof tenantMessageSchema>;

export class MessageError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "MessageError";
  }
}

/** Parses a queue message body; a body that is not a tenant message is an error naming what is wrong. */
export function parseTenantMessage(body: string): TenantMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MessageError(`message body is not JSON (starts with ${JSON.stringify(body.slice(0, 40))})`);
  }
  const parsed = tenantMessageSchema.safeParse(json);
  if (!parsed.success) {
    const problems = issueLines(parsed.error, "(body)");
    throw new MessageError(`message body is not a tenant message: ${problems.join("; ")}`);
  }
  return parsed.data;
}
