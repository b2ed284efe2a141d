import { canonicalJson } from "./canonical.ts";

/** What a view holds after normalisation: plain JSON, so rendering is deterministic and serialisable. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * How a value reads inside a larger string. null reads as empty, as in mustache; objects and arrays as
 * canonical JSON so the text does not depend on the order a driver returned keys in.
 */
export function stringForm(value: JsonValue): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return canonicalJson(value);
}
