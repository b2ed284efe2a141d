/** Input checks shared by the status and inventory stores: errors name the table, column, row and value. */

import { TenantSyncError } from "../errors.ts";
import type { Dialect } from "./dialect.ts";
import { SqlParams } from "./params.ts";
import type { Queryable } from "./queryable.ts";

/** Column lengths of tenant_sync_status and tenant_sync_inventory (the same in both dialects). */
export const LIMITS = {
  tenantKey: 255,
  templateSet: 128,
  cluster: 128,
  resourceId: 128,
  hash: 128,
  templateVersion: 128,
  apiVersion: 320,
  kind: 128,
  namespace: 63,
  name: 253,
} as const;

export function checkText(value: unknown, where: string, column: string, max: number): string {
  if (typeof value !== "string" || value === "") {
    throw new TenantSyncError(`${where}: ${column} must be a non-empty string, got ${shortValue(value)}`, {
      field: column,
    });
  }
  if (value.length > max) {
    throw new TenantSyncError(
      `${where}: ${column} is ${value.length} characters long, the column holds at most ${max}`,
      { field: column },
    );
  }
  return value;
}

export function checkOptionalText(
  value: unknown,
  where: string,
  column: string,
  max?: number,
): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string")
    throw new TenantSyncError(`${where}: ${column} must be a string or null, got ${shortValue(value)}`, {
      field: column,
    });
  if (max !== undefined && value.length > max) {
    throw new TenantSyncError(
      `${where}: ${column} is ${value.length} characters long, the column holds at most ${max}`,
      { field: column },
    );
  }
  return value;
}

export function checkCount(value: unknown, where: string, column: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw new TenantSyncError(
      `${where}: ${column} must be a non-negative integer, got ${shortValue(value)}`,
      { field: column },
    );
  }
  return value;
}

/** A time given as a Date or an ISO 8601 string; undefined means "now" on the database's clock. */
export function checkTime(value: unknown, where: string, column: string): Date | null {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new TenantSyncError(
      `${where}: ${column} must be a Date or an ISO 8601 time, got ${shortValue(value)}`,
      { field: column },
    );
  }
  return date;
}

/** Times read back: the drivers already give ISO strings (column-values.ts); this only settles the type. */
export function timeText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

export function shortValue(value: unknown): string {
  const text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Splits a batch so one statement stays well below the drivers' parameter limits (65,535 for pg). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

/** Writes rows in one transaction, `size` rows per statement, each statement built by `sql` with its own parameters. */
export async function writeInBatches(
  db: Queryable,
  rows: readonly unknown[][],
  size: number,
  sql: (dialect: Dialect, params: SqlParams, batch: unknown[][]) => string,
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const batch of chunks(rows, size)) {
      const params = new SqlParams();
      await tx.query(sql(tx.dialect, params, batch), params.values);
    }
  });
}
