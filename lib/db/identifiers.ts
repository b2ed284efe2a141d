import { TenantSyncError } from "../errors.ts";
import type { Dialect } from "./dialect.ts";

/**
 * Identifiers that come from configuration (the tenants table, its key, active and cluster columns) end up in
 * SQL text, because identifiers cannot be bound as parameters. So they are checked against a strict pattern
 * *and* quoted: the pattern alone already rules out quotes, spaces and comments, quoting keeps reserved words
 * (`order`, `key`) usable as names.
 *
 * Only ASCII letters, digits and underscore are accepted, at most 63 characters (PostgreSQL's limit; MySQL
 * allows 64). Names are used exactly as written: PostgreSQL folds unquoted names to lower case when a table is
 * created, so `CREATE TABLE Tenants` is found as `tenants`, not `Tenants`.
 */
const NAME = /^[A-Za-z0-9_]{1,63}$/;

export class InvalidIdentifierError extends TenantSyncError {
  readonly what: string;
  readonly value: unknown;

  constructor(what: string, value: unknown, rule: string) {
    super(`invalid ${what} ${shortJson(value)}: ${rule}`);
    this.name = "InvalidIdentifierError";
    this.what = what;
    this.value = value;
  }
}

export interface QualifiedName {
  /** Schema (PostgreSQL) or database (MySQL); undefined means the connection's current one. */
  schema: string | undefined;
  name: string;
}

/** Checks one plain name such as a column; `what` says which setting it came from, for the error. */
export function checkIdentifier(value: unknown, what: string): string {
  if (typeof value !== "string" || !NAME.test(value)) {
    throw new InvalidIdentifierError(
      what,
      value,
      "use 1 to 63 characters from ASCII letters, digits and underscore",
    );
  }
  return value;
}

/** Checks `table` or `schema.table` (exactly one dot at most). */
export function parseQualifiedName(value: unknown, what: string): QualifiedName {
  const rule =
    "use letters, digits and underscore, optionally one dot between schema and name (schema.table)";
  if (typeof value !== "string") throw new InvalidIdentifierError(what, value, rule);
  const parts = value.split(".");
  if (parts.length > 2 || !parts.every((part) => NAME.test(part))) {
    throw new InvalidIdentifierError(what, value, rule);
  }
  return parts.length === 2
    ? { schema: parts[0] as string, name: parts[1] as string }
    : { schema: undefined, name: parts[0] as string };
}

/** Quotes an already checked name for the dialect. The check is repeated: quoting unchecked text is the bug. */
export function quoteIdentifier(dialect: Dialect, name: string, what = "identifier"): string {
  checkIdentifier(name, what);
  return dialect === "postgres" ? `"${name}"` : `\`${name}\``;
}

export function quoteQualifiedName(dialect: Dialect, name: QualifiedName): string {
  const table = quoteIdentifier(dialect, name.name, "table name");
  return name.schema === undefined
    ? table
    : `${quoteIdentifier(dialect, name.schema, "schema name")}.${table}`;
}

/** How a configured name reads in messages: `tenants` or `app.tenants`. */
export function displayName(name: QualifiedName): string {
  return name.schema === undefined ? name.name : `${name.schema}.${name.name}`;
}

function shortJson(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
