import { describe, expect, it } from "vitest";
import type { SelectorTerm } from "../../lib/templates/model.ts";
import { SelectorError, selects } from "../../lib/templates/selector.ts";

const set = (...selector: SelectorTerm[]) => ({ name: "monitoring", selector });

describe("selects", () => {
  it("selects every row when there are no terms", () => {
    expect(selects(set(), {})).toBe(true);
  });

  it("requires every term to hold", () => {
    const s = set(
      { column: "plan", op: "in", values: ["pro", "enterprise"] },
      { column: "region", op: "equals", value: "eu" },
      { column: "beta", op: "truthy", value: true },
    );
    expect(selects(s, { plan: "pro", region: "eu", beta: "yes" })).toBe(true);
    expect(selects(s, { plan: "free", region: "eu", beta: "yes" })).toBe(false);
    expect(selects(s, { plan: "pro", region: "us", beta: "yes" })).toBe(false);
    expect(selects(s, { plan: "pro", region: "eu", beta: 0 })).toBe(false);
  });

  it("compares scalars across driver types", () => {
    const s = set({ column: "tier", op: "equals", value: 3 });
    expect(selects(s, { tier: 3 })).toBe(true);
    expect(selects(s, { tier: "3" })).toBe(true);
    expect(selects(s, { tier: 3n })).toBe(true);
    expect(selects(s, { tier: 4 })).toBe(false);
    expect(selects(s, { tier: null })).toBe(false);
  });

  it("matches null only against null", () => {
    const s = set({ column: "deleted_at", op: "equals", value: null });
    expect(selects(s, { deleted_at: null })).toBe(true);
    expect(selects(s, { deleted_at: "" })).toBe(false);
  });

  it("supports truthy: false", () => {
    const s = set({ column: "suspended", op: "truthy", value: false });
    expect(selects(s, { suspended: "f" })).toBe(true);
    expect(selects(s, { suspended: "on" })).toBe(false);
  });

  it("reports a value that is not a boolean, naming set, column and value", () => {
    const s = set({ column: "beta", op: "truthy", value: true });
    expect(() => selects(s, { beta: "maybe" })).toThrow(SelectorError);
    expect(() => selects(s, { beta: "maybe" })).toThrow(
      /^template set monitoring selector: column "beta": cannot read "maybe" as true or false/,
    );
    expect(() => selects(s, { beta: null })).toThrow(/column "beta": cannot read null/);
  });

  it("reports a column the row does not have instead of not matching", () => {
    const s = set({ column: "plan", op: "in", values: ["pro"] });
    expect(() => selects(s, { slug: "acme" })).toThrow(
      'template set monitoring selects on column "plan", which the row does not have (columns: slug)',
    );
  });
});
