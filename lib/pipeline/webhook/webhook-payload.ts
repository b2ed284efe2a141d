import { z } from "zod";
import { issueLines } from "../../config-parse.ts";
import { TenantSyncError } from "../../errors.ts";
import { tenantMessageSchema } from "../../queue/message.ts";

/**
 * A database webhook payload, Supabase style: `record` is the row after INSERT/UPDATE, `old_record` the row
 * before UPDATE/DELETE. Other fields the sender adds are allowed and ignored.
 */
export const webhookPayloadSchema = z.object({
  type: z.enum(["INSERT", "UPDATE", "DELETE"]),
  table: z.string().min(1),
  schema: z.string().min(1),
  record: z.record(z.string(), z.unknown()).nullable(),
  old_record: z.record(z.string(), z.unknown()).nullable(),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export class PayloadError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "PayloadError";
  }
}

/** Parses the raw body; invalid JSON or shape is a PayloadError naming the field at fault. */
export function parseWebhookPayload(rawBody: string): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new PayloadError("webhook body is not JSON");
  }
  const parsed = webhookPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const problems = issueLines(parsed.error, "(body)");
    throw new PayloadError(`webhook body is not a row-change payload: ${problems.join("; ")}`);
  }
  return parsed.data;
}

export interface TenantTable {
  /** The configured tenants table, `name` or `schema.name`. */
  table: string;
  keyColumn: string;
}

/** Whether the payload is about the configured table; a bare name matches that table in any schema. */
function isTenantTable(payload: WebhookPayload, table: string): boolean {
  const dot = table.indexOf(".");
  if (dot < 0) return payload.table === table;
  return payload.schema === table.slice(0, dot) && payload.table === table.slice(dot + 1);
}

function keyOf(row: Record<string, unknown>, column: string, field: string): string {
  const value = row[column];
  if (value === undefined || value === null || value === "") {
    throw new PayloadError(`webhook ${field} has no key column "${column}"`);
  }
  // Integer keys arrive as JSON numbers; bigint keys beyond 2^53 must be sent as strings to stay exact.
  const key = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof key !== "string") {
    throw new PayloadError(`webhook ${field}.${column} must be a string or an integer`);
  }
  // The same limit the queue message contract puts on a tenant key.
  if (!tenantMessageSchema.shape.tenant.safeParse(key).success) {
    throw new PayloadError(
      `webhook ${field}.${column} is ${key.length} characters, longer than a tenant key may be`,
    );
  }
  return key;
}

/**
 * The tenant keys a row change touches: the new row's key, or the old row's for DELETE; an UPDATE that
 * changed the key touches both (the old key's objects must go, the new key's appear).
 */
export function tenantKeysOf(payload: WebhookPayload, target: TenantTable): string[] {
  if (!isTenantTable(payload, target.table)) {
    throw new PayloadError(
      `webhook is for table ${payload.schema}.${payload.table}, not the tenants table ${target.table}`,
    );
  }
  if (payload.type === "DELETE") {
    if (!payload.old_record) throw new PayloadError("webhook DELETE has no old_record");
    return [keyOf(payload.old_record, target.keyColumn, "old_record")];
  }
  if (!payload.record) throw new PayloadError(`webhook ${payload.type} has no record`);
  const key = keyOf(payload.record, target.keyColumn, "record");
  if (payload.type === "UPDATE" && payload.old_record) {
    const oldKey = keyOf(payload.old_record, target.keyColumn, "old_record");
    if (oldKey !== key) return [oldKey, key];
  }
  return [key];
}
