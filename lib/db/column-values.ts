/**
 * How database values become JavaScript values, the same way for PostgreSQL and MySQL/MariaDB, so a template
 * sees the same row whichever database holds it:
 *
 * - 64-bit integers (int8/BIGINT) and exact decimals (numeric/DECIMAL) become a number when the value is an
 *   integer within Number.MAX_SAFE_INTEGER, and otherwise stay the database's text ("9007199254740993",
 *   "12.50"): a silently rounded id or amount would be worse than a string.
 * - Timestamps become ISO 8601 strings in UTC with millisecond precision ("2024-01-02T03:04:05.678Z").
 *   Time-zone-less types (PostgreSQL `timestamp`, MySQL DATETIME) are read as UTC. Values a Date cannot hold
 *   (PostgreSQL `infinity`, MySQL zero dates) keep their database text.
 * - Dates (DATE) stay "YYYY-MM-DD": no time zone applies to them.
 */

/**
 * Integer or decimal text from the database: a number when it is written as an integer and is safe, else the
 * text unchanged. A DECIMAL(10,2) always prints a scale ("12.00"), so such a column is consistently strings;
 * DECIMAL(20,0) and numeric(20) are numbers up to 2^53 - 1. Unconstrained PostgreSQL `numeric` prints "12"
 * or "12.5" as stored, so its values can be either: cast it in a view if templates need one type.
 */
export function exactNumber(text: string): number | string {
  if (!/^-?\d+$/.test(text)) return text;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/** A timestamp with an explicit offset ("2024-01-02 03:04:05.678+02"), as PostgreSQL prints timestamptz. */
export function timestampWithZoneToIso(text: string): string {
  const date = new Date(normaliseOffset(text.replace(" ", "T")));
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** A timestamp without an offset ("2024-01-02 03:04:05.678"), read as UTC. */
export function timestampWithoutZoneToIso(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) return text;
  const date = new Date(`${text.replace(" ", "T")}Z`);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** PostgreSQL prints offsets as "+02" or "+05:30"; Date.parse wants "+02:00". */
function normaliseOffset(text: string): string {
  return text.replace(/([+-]\d{2})$/, "$1:00");
}
