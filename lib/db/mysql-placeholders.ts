import mysql from "mysql2";

/**
 * Binds `$1, $2…` placeholders for MySQL, so both dialects share one SQL string. Placeholders are numbered,
 * not positional like MySQL's `?`: values can be added in any order and used more than once, and a literal
 * `?` in the SQL is never mistaken for one.
 *
 * Values are escaped by mysql2's own escape (the same function its `?` binding uses), with dates in UTC. The
 * scan skips quoted strings, quoted identifiers and comments, and `$n` inside a name such as `a$1`.
 * Objects and arrays are refused: mysql2 would expand them into `k = v` lists, not JSON; bind
 * JSON.stringify(value) instead.
 */
export function formatMysqlQuery(sql: string, values: readonly unknown[]): string {
  if (values.length === 0) return sql;
  let out = "";
  let index = 0;
  while (index < sql.length) {
    const char = sql[index] as string;
    const next = sql[index + 1];
    let end: number;
    if (char === "'" || char === '"' || char === "`") end = quotedEnd(sql, index, char);
    else if ((char === "-" && next === "-") || char === "#") end = lineEnd(sql, index);
    else if (char === "/" && next === "*") end = blockEnd(sql, index);
    else if (char === "$" && isDigit(next) && !isNameChar(sql[index - 1])) {
      let digits = index + 1;
      while (isDigit(sql[digits])) digits++;
      out += escapeParameter(values, Number(sql.slice(index + 1, digits)));
      index = digits;
      continue;
    } else end = index + 1;
    out += sql.slice(index, end);
    index = end;
  }
  return out;
}

function escapeParameter(values: readonly unknown[], number: number): string {
  // Internal invariants, plain Error: tenant-sync's own SQL binds its placeholders; no setting reaches here.
  if (number < 1 || number > values.length) {
    throw new Error(`SQL placeholder $${number} has no value: ${values.length} value(s) were bound`);
  }
  const value = values[number - 1];
  const plain =
    value === null ||
    value === undefined ||
    typeof value !== "object" ||
    value instanceof Date ||
    value instanceof Uint8Array;
  if (!plain) {
    throw new Error(
      `SQL placeholder $${number} is bound to ${Array.isArray(value) ? "an array" : "an object"}; ` +
        "bind JSON.stringify(value) for a JSON column",
    );
  }
  return mysql.escape(value as mysql.SqlValue, false, "Z");
}

/** Index after a quoted run; a doubled quote or (outside backticks) a backslash escapes the next char. */
function quotedEnd(sql: string, start: number, quote: string): number {
  let index = start + 1;
  while (index < sql.length) {
    const char = sql[index];
    if (char === "\\" && quote !== "`") index += 2;
    else if (char === quote && sql[index + 1] === quote) index += 2;
    else if (char === quote) return index + 1;
    else index++;
  }
  return sql.length;
}

function lineEnd(sql: string, start: number): number {
  const end = sql.indexOf("\n", start);
  return end === -1 ? sql.length : end;
}

function blockEnd(sql: string, start: number): number {
  const end = sql.indexOf("*/", start + 2);
  return end === -1 ? sql.length : end + 2;
}

const isDigit = (char: string | undefined) => char !== undefined && char >= "0" && char <= "9";
const isNameChar = (char: string | undefined) => char !== undefined && /[A-Za-z0-9_$]/.test(char);
