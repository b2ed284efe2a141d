import { TenantSyncError } from "../errors.ts";

/** The source as configured cannot be read at all: missing table or column, bad setting. Affects every tenant. */
export class TenantSourceError extends TenantSyncError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TenantSourceError";
  }
}

/**
 * One tenant's row cannot be read (an active value that is neither true nor false, JSON that does not
 * parse, a key that more than one row has). Only that tenant is affected; the message names table, column, tenant
 * key and value so the row can be fixed.
 */
export class TenantRowError extends TenantSyncError {
  readonly table: string;
  readonly column: string;
  readonly tenantKey: string;
  readonly value: unknown;
  /**
   * The row (every row, for a duplicated key) as the database returned it: not usable as a tenant, but enough
   * to tell which template sets the failure concerns (see lib/engine/invalid-tenant.ts).
   */
  readonly rows: readonly Readonly<Record<string, unknown>>[];

  constructor(
    where: {
      table: string;
      column: string;
      tenantKey: string;
      value: unknown;
      rows: readonly Readonly<Record<string, unknown>>[];
    },
    problem: string,
  ) {
    super(`tenant ${quote(where.tenantKey)} in table ${quote(where.table)}: ${problem}`, {
      tenant: where.tenantKey,
      field: where.column,
    });
    this.name = "TenantRowError";
    this.table = where.table;
    this.column = where.column;
    this.tenantKey = where.tenantKey;
    this.value = where.value;
    this.rows = where.rows;
  }
}

/** More than one row has this key: which one is the tenant cannot be told, so none is used. */
export function duplicateKeyError(
  where: {
    table: string;
    column: string;
    tenantKey: string;
    rows: readonly Readonly<Record<string, unknown>>[];
  },
  count: number,
): TenantRowError {
  return new TenantRowError(
    { ...where, value: where.tenantKey },
    `key ${quote(where.tenantKey)} appears ${count} times in ${quote(where.table)} (column "${where.column}"); ` +
      "the key column must be unique",
  );
}

export function quote(text: string, max = 120): string {
  const json = JSON.stringify(text);
  return json.length > max ? `${json.slice(0, max)}…"` : json;
}
