import { describe, expect, it } from "vitest";
import {
  checkIdentifier,
  InvalidIdentifierError,
  parseQualifiedName,
  quoteIdentifier,
  quoteQualifiedName,
} from "../../lib/db/identifiers.ts";

describe("identifiers", () => {
  it.each(["tenants", "Tenants", "tenant_2", "_x", "2024_tenants", "a".repeat(63)])("accepts %s", (name) => {
    expect(checkIdentifier(name, "column")).toBe(name);
  });

  it.each([
    "",
    "a".repeat(64),
    "tenant id",
    "tenants;",
    'te"nants',
    "te`nants",
    "te'nants",
    "a.b",
    "région",
    "x--",
    "x/*",
    "x\n",
    "$1",
  ])("refuses %j, naming the setting and the value", (name) => {
    expect(() => checkIdentifier(name, "tenant source keyColumn")).toThrow(InvalidIdentifierError);
    expect(() => checkIdentifier(name, "tenant source keyColumn")).toThrow(
      `invalid tenant source keyColumn ${JSON.stringify(name).slice(0, 80)}`,
    );
  });

  it("refuses values that are not strings", () => {
    for (const value of [undefined, null, 42, {}, ["tenants"]]) {
      expect(() => checkIdentifier(value, "column")).toThrow(InvalidIdentifierError);
      expect(() => parseQualifiedName(value, "table")).toThrow(InvalidIdentifierError);
    }
  });

  it("splits schema-qualified names at one dot at most", () => {
    expect(parseQualifiedName("tenants", "table")).toEqual({ schema: undefined, name: "tenants" });
    expect(parseQualifiedName("app.tenants", "table")).toEqual({ schema: "app", name: "tenants" });
    for (const bad of ["a.b.c", ".tenants", "app.", "app..tenants", "app.ten ants", 'app."x"']) {
      expect(() => parseQualifiedName(bad, "tenant source table"), bad).toThrow(
        /invalid tenant source table .*optionally one dot between schema and name/,
      );
    }
  });

  it("quotes per dialect", () => {
    expect(quoteIdentifier("postgres", "order")).toBe('"order"');
    expect(quoteIdentifier("mysql", "order")).toBe("`order`");
    expect(quoteQualifiedName("postgres", { schema: "app", name: "Tenants" })).toBe('"app"."Tenants"');
    expect(quoteQualifiedName("mysql", { schema: undefined, name: "tenants" })).toBe("`tenants`");
  });

  it("checks again when quoting, so unchecked text never reaches SQL", () => {
    expect(() => quoteIdentifier("postgres", 'x"; DROP TABLE t; --')).toThrow(InvalidIdentifierError);
    expect(() => quoteIdentifier("mysql", "x`; DROP TABLE t; --")).toThrow(InvalidIdentifierError);
    expect(() => quoteQualifiedName("mysql", { schema: "a b", name: "t" })).toThrow(
      /invalid schema name "a b"/,
    );
  });
});
