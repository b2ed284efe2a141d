import { TenantSyncError } from "../errors.ts";

const TRUE_WORDS = new Set(["true", "yes", "t", "on", "1"]);
const FALSE_WORDS = new Set(["false", "no", "f", "off", "0"]);

/** A column value that cannot be read as true or false; names the column so the row or query can be fixed. */
export class TruthinessError extends TenantSyncError {
  readonly column: string;
  readonly value: unknown;

  constructor(column: string, value: unknown) {
    super(
      `column "${column}": cannot read ${describeValue(value)} as true or false; ` +
        "use a boolean, 1/0, or one of true/false, yes/no, t/f, on/off (any case)",
      { field: column },
    );
    this.name = "TruthinessError";
    this.column = column;
    this.value = value;
  }
}

/**
 * Reads a boolean the way databases spell it: PostgreSQL booleans, MySQL TINYINT(1), and the usual words.
 * Anything else (NULL included) is an error rather than a guess, because a wrong guess silently provisions
 * or removes a tenant's objects.
 */
export function parseTruthy(value: unknown, column: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number" || typeof value === "bigint") {
    if (value === 1 || value === 1n) return true;
    if (value === 0 || value === 0n) return false;
    throw new TruthinessError(column, value);
  }
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  throw new TruthinessError(column, value);
}

/** Short, safe rendering of a value for error messages. */
export function describeValue(value: unknown, max = 80): string {
  let text: string;
  if (value === undefined) text = "undefined";
  else if (typeof value === "bigint") text = `${value}`;
  else if (typeof value === "function" || typeof value === "symbol") text = `a ${typeof value}`;
  else if (value instanceof Date)
    text = Number.isNaN(value.getTime()) ? "an invalid date" : `date ${value.toISOString()}`;
  else if (typeof value === "object" && value !== null)
    text = Array.isArray(value) ? "an array" : "an object";
  else text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
