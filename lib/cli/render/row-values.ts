import { InvalidArgumentError } from "commander";

/**
 * A `--value column=value` flag. The value is read as JSON when it parses (`3`, `true`, `null`,
 * `{"beta":true}`), so numbers and booleans keep their type in plain template positions as a database
 * column's would; anything else is text. `--row-json` gives exact types.
 */
export function parseValueFlag(text: string): [string, unknown] {
  const at = text.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected column=value, got ${JSON.stringify(text)}`);
  const column = text.slice(0, at);
  const raw = text.slice(at + 1);
  try {
    return [column, JSON.parse(raw)];
  } catch {
    return [column, raw];
  }
}

/** Commander collector for repeated --value flags. */
export function collectValue(text: string, previous: [string, unknown][] = []): [string, unknown][] {
  return [...previous, parseValueFlag(text)];
}

/** The row of `--row-json '{...}'`: a JSON object of column values. */
export function parseRowJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`--row-json is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(
      '--row-json must be a JSON object of column values, e.g. \'{"plan":"pro"}\'',
    );
  }
  return value as Record<string, unknown>;
}

/** --row-json first, then each --value over it; the key column is the tenant key unless given. */
export function rowFromFlags(
  tenantKey: string,
  keyColumn: string,
  rowJson: Record<string, unknown> | undefined,
  values: readonly [string, unknown][],
): Record<string, unknown> {
  const row: Record<string, unknown> = { ...rowJson };
  for (const [column, value] of values) row[column] = value;
  if (!(keyColumn in row)) row[keyColumn] = tenantKey;
  return row;
}
