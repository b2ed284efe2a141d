/** The source as configured cannot be read at all: missing table or column, bad setting. Affects every tenant. */
export class TenantSourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TenantSourceError";
  }
}

/**
 * One tenant's row cannot be read (an active value that is neither true nor false, JSON that does not
 * parse, a key that is not unique). Only that tenant is affected; the message names table, column, tenant
 * key and value so the row can be fixed.
 */
export class TenantRowError extends Error {
  readonly table: string;
  readonly column: string;
  readonly tenantKey: string;
  readonly value: unknown;

  constructor(where: { table: string; column: string; tenantKey: string; value: unknown }, problem: string) {
    super(`tenant ${quote(where.tenantKey)} in table ${quote(where.table)}: ${problem}`);
    this.name = "TenantRowError";
    this.table = where.table;
    this.column = where.column;
    this.tenantKey = where.tenantKey;
    this.value = where.value;
  }
}

export function quote(text: string, max = 120): string {
  const json = JSON.stringify(text);
  return json.length > max ? `${json.slice(0, max)}…"` : json;
}
