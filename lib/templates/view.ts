import { TenantSyncError } from "../errors.ts";
import { describeValue } from "../values/truthy.ts";
import { HELPER_NAMES } from "./helpers.ts";
import type { JsonObject, JsonValue } from "./json-value.ts";

/** View names tenant-sync provides; helpers are reserved too, since {{#name}} must mean one thing. */
export const RESERVED_NAMES: readonly string[] = ["tenant", "templateSet", "namespace", ...HELPER_NAMES];

export type Row = Readonly<Record<string, unknown>>;

export interface ReservedValues {
  tenant: { key: string; cluster: string };
  templateSet: { name: string; version: string };
  namespace?: string | undefined;
}

/** A row that cannot be offered to templates; says which column and what to change in the query. */
export class ViewError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "ViewError";
  }
}

/**
 * The row's columns at top level with their database types kept, plus the reserved names. A column named
 * like a reserved one is refused rather than shadowed: either choice would surprise somebody.
 */
export function buildView(row: Row, reserved: ReservedValues): JsonObject {
  const entries: [string, JsonValue][] = [];
  for (const [column, value] of Object.entries(row)) {
    if (RESERVED_NAMES.includes(column)) {
      throw new ViewError(
        `row column "${column}" collides with a reserved template name (${RESERVED_NAMES.join(", ")}); ` +
          "rename it in the source query, e.g. SELECT ... AS tenant_" +
          column,
      );
    }
    const normalized = normalizeValue(value, column);
    if (normalized !== undefined) entries.push([column, normalized]);
  }
  entries.push(["tenant", { key: reserved.tenant.key, cluster: reserved.tenant.cluster }]);
  entries.push(["templateSet", { name: reserved.templateSet.name, version: reserved.templateSet.version }]);
  if (reserved.namespace !== undefined) entries.push(["namespace", reserved.namespace]);
  return Object.fromEntries(entries);
}

/**
 * Database value -> JSON value. Dates become ISO strings; integers beyond 2^53 become strings so no digit
 * is lost; undefined leaves the column out (a template using it then fails as "not defined").
 */
export function normalizeValue(value: unknown, where: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new ViewError(`column "${where}" holds ${value}, which has no JSON form`);
    return value;
  }
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ViewError(`column "${where}" holds an invalid date`);
    return value.toISOString();
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => normalizeValue(item, `${where}[${index}]`) ?? null);
  }
  if (value instanceof Uint8Array) {
    throw new ViewError(
      `column "${where}" holds binary data, which templates cannot use; select it as text (e.g. encode(x, 'base64'))`,
    );
  }
  if (typeof value === "object" && isPlainObject(value)) {
    const entries: [string, JsonValue][] = [];
    for (const [key, item] of Object.entries(value)) {
      const normalized = normalizeValue(item, `${where}.${key}`);
      if (normalized !== undefined) entries.push([key, normalized]);
    }
    return Object.fromEntries(entries);
  }
  throw new ViewError(`column "${where}" holds ${describeValue(value)} of a type templates cannot use`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
