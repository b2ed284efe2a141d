import { describe, expect, it } from "vitest";
import {
  exactNumber,
  timestampWithoutZoneToIso,
  timestampWithZoneToIso,
} from "../../lib/db/column-values.ts";
import { parseDatabaseUrl, scrubPassword } from "../../lib/db/connection-url.ts";
import { formatMysqlQuery } from "../../lib/db/mysql-placeholders.ts";
import { mysqlTypeCast } from "../../lib/db/mysql-types.ts";
import { SqlParams } from "../../lib/db/params.ts";
import { postgresTypes } from "../../lib/db/postgres-types.ts";

describe("column values", () => {
  it("reads 64-bit integers and decimals as numbers only when exact", () => {
    expect(exactNumber("42")).toBe(42);
    expect(exactNumber("-9007199254740991")).toBe(-9007199254740991);
    expect(exactNumber("9007199254740992")).toBe("9007199254740992");
    expect(exactNumber("9223372036854775807")).toBe("9223372036854775807");
    expect(exactNumber("12.50")).toBe("12.50");
    expect(exactNumber("12.00")).toBe("12.00");
    expect(exactNumber("NaN")).toBe("NaN");
  });

  it("writes timestamps as ISO 8601 in UTC", () => {
    expect(timestampWithZoneToIso("2024-01-02 03:04:05.678+02")).toBe("2024-01-02T01:04:05.678Z");
    expect(timestampWithZoneToIso("2024-01-02 03:04:05.678901+05:30")).toBe("2024-01-01T21:34:05.678Z");
    expect(timestampWithZoneToIso("infinity")).toBe("infinity");
    expect(timestampWithoutZoneToIso("2024-01-02 03:04:05")).toBe("2024-01-02T03:04:05.000Z");
    expect(timestampWithoutZoneToIso("2024-01-02 03:04:05.678901")).toBe("2024-01-02T03:04:05.678Z");
    expect(timestampWithoutZoneToIso("0000-00-00 00:00:00")).toBe("0000-00-00 00:00:00");
    expect(timestampWithoutZoneToIso("-infinity")).toBe("-infinity");
  });

  it("parses PostgreSQL values with the pool's own parsers", () => {
    const parse = (oid: number, text: string) => postgresTypes.getTypeParser(oid, "text")(text);
    expect(parse(20, "5000000000")).toBe(5_000_000_000);
    expect(parse(1700, "1.5")).toBe("1.5");
    expect(parse(1082, "2024-02-29")).toBe("2024-02-29");
    expect(parse(1016, "{1,9223372036854775807,NULL}")).toEqual([1, "9223372036854775807", null]);
    expect(parse(1185, '{"2024-01-02 03:04:05+00"}')).toEqual(["2024-01-02T03:04:05.000Z"]);
    expect(parse(3802, '{"a":1}')).toEqual({ a: 1 });
    expect(parse(16, "t")).toBe(true);
  });

  it("reads MySQL TINYINT(1) and BIT(1) as booleans, other widths as numbers", () => {
    const field = (type: string, length: number, text: string | null) => ({
      type,
      length,
      string: () => text,
      buffer: () => (text === null ? null : Buffer.from([Number(text)])),
    });
    const cast = mysqlTypeCast as (field: unknown, next: () => unknown) => unknown;
    const next = () => "next";
    expect(cast(field("TINY", 1, "1"), next)).toBe(true);
    expect(cast(field("TINY", 1, "0"), next)).toBe(false);
    expect(cast(field("TINY", 1, "2"), next)).toBe(2);
    expect(cast(field("TINY", 1, null), next)).toBeNull();
    expect(cast(field("TINY", 4, "1"), next)).toBe("next");
    expect(cast(field("BIT", 1, "1"), next)).toBe(true);
    expect(cast(field("NEWDECIMAL", 10, "12"), next)).toBe(12);
    expect(cast(field("DATETIME", 23, "2024-01-02 03:04:05.678"), next)).toBe("2024-01-02T03:04:05.678Z");
    expect(cast(field("DATE", 10, "2024-02-29"), next)).toBe("2024-02-29");
    expect(cast(field("VAR_STRING", 10, "x"), next)).toBe("next");
  });
});

describe("database URLs", () => {
  it.each([
    ["postgres://u:p@h:5432/db", "postgres", "postgresql://u:p@h:5432/db"],
    ["postgresql://u:p@h/db", "postgres", "postgresql://u:p@h/db"],
    ["mysql://u:p@h:3306/db", "mysql", "mysql://u:p@h:3306/db"],
    ["mariadb://u:p@h/db?ssl=true", "mysql", "mysql://u:p@h/db?ssl=true"],
  ])("reads %s as %s", (url, dialect, driverUrl) => {
    expect(parseDatabaseUrl(url)).toMatchObject({ dialect, driverUrl, password: "p" });
  });

  it("masks the password, also when it is percent-encoded", () => {
    const target = parseDatabaseUrl("postgres://user:s%40cr%3At@db.example:5432/app");
    expect(target.redacted).toBe("postgres://user:***@db.example:5432/app");
    expect(target.password).toBe("s@cr:t");
    expect(scrubPassword("auth failed for s@cr:t and s%40cr%3At", target.password)).toBe(
      "auth failed for *** and ***",
    );
  });

  it("never repeats an invalid URL (it may hold the password)", () => {
    expect(() => parseDatabaseUrl("postgres://u:hunter2@[bad/db")).toThrow(
      /^database URL is not a valid URL/,
    );
    expect(() => parseDatabaseUrl("postgres://u:hunter2@[bad/db")).not.toThrow(/hunter2/);
  });

  it("names an unsupported scheme without the password", () => {
    expect(() => parseDatabaseUrl("sqlserver://u:hunter2@h/db")).toThrow(
      'database URL sqlserver://u:***@h/db has the unsupported scheme "sqlserver:"; use postgres://, postgresql://, mysql:// or mariadb://',
    );
  });
});

describe("placeholders", () => {
  it("numbers values as they are added", () => {
    const params = new SqlParams();
    expect(params.add("a")).toBe("$1");
    expect(params.row([1, null])).toBe("($2, $3)");
    expect(params.values).toEqual(["a", 1, null]);
  });

  it("binds $n for MySQL in any order, more than once, with mysql2's escaping", () => {
    expect(formatMysqlQuery("SELECT $2, $1, $2", ["a", 2])).toBe("SELECT 2, 'a', 2");
    expect(formatMysqlQuery("SELECT $1", ['it\'s \\ "quoted"'])).toBe("SELECT 'it\\'s \\\\ \\\"quoted\\\"'");
    expect(formatMysqlQuery("SELECT $1, $2, $3", [null, true, new Date("2024-01-02T03:04:05.678Z")])).toBe(
      "SELECT NULL, true, '2024-01-02 03:04:05.678'",
    );
    expect(formatMysqlQuery("SELECT ?", [])).toBe("SELECT ?");
  });

  it("leaves $n alone inside strings, quoted names, comments and names", () => {
    const sql = "SELECT '$1', \"$1\", `$1`, a$1, 'it''s $1', 'x\\'$1' -- $1\n/* $1 */ # $1\n, $1";
    expect(formatMysqlQuery(sql, [7])).toBe(
      "SELECT '$1', \"$1\", `$1`, a$1, 'it''s $1', 'x\\'$1' -- $1\n/* $1 */ # $1\n, 7",
    );
  });

  it("refuses a missing value and objects that mysql2 would not encode as JSON", () => {
    expect(() => formatMysqlQuery("SELECT $2", [1])).toThrow(
      "SQL placeholder $2 has no value: 1 value(s) were bound",
    );
    expect(() => formatMysqlQuery("SELECT $1", [{ a: 1 }])).toThrow(
      /\$1 is bound to an object; bind JSON.stringify/,
    );
    expect(() => formatMysqlQuery("SELECT $1", [[1, 2]])).toThrow(/\$1 is bound to an array/);
  });
});
