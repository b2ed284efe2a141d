import { TenantSyncError } from "../errors.ts";
import { parseTruthy, TruthinessError } from "../values/truthy.ts";
import type { SelectorTerm, SelectorValue, TemplateSet } from "./model.ts";

/** A selector could not be decided for a row; the tenant should be reported, not silently skipped. */
export class SelectorError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "SelectorError";
  }
}

/**
 * Whether a set applies to a row: every term must hold; no terms selects every row. A column the row does
 * not have is an error rather than "no match": a renamed column would otherwise tear down every tenant.
 */
export function selects(
  set: Pick<TemplateSet, "name" | "selector">,
  row: Readonly<Record<string, unknown>>,
): boolean {
  return set.selector.every((term) => holds(set.name, term, row));
}

function holds(setName: string, term: SelectorTerm, row: Readonly<Record<string, unknown>>): boolean {
  if (!Object.hasOwn(row, term.column)) {
    throw new SelectorError(
      `template set ${setName} selects on column "${term.column}", which the row does not have ` +
        `(columns: ${Object.keys(row).sort().join(", ") || "none"})`,
    );
  }
  const actual = row[term.column];
  switch (term.op) {
    case "in":
      return term.values.some((expected) => sameValue(actual, expected));
    case "equals":
      return sameValue(actual, term.value);
    case "truthy":
      try {
        return parseTruthy(actual, term.column) === term.value;
      } catch (error) {
        if (error instanceof TruthinessError) {
          throw new SelectorError(`template set ${setName} selector: ${error.message}`);
        }
        throw error;
      }
  }
}

/**
 * Equality across the ways drivers return scalars: 3, 3n and "3" are equal, as are true and "true", so a
 * selector does not depend on the database's column type. null equals only null; objects equal nothing.
 */
function sameValue(actual: unknown, expected: SelectorValue): boolean {
  if (expected === null || actual === null || actual === undefined) return actual === expected;
  const text = scalarText(actual);
  return text !== undefined && text === String(expected);
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}
