import { describe, expect, it } from "vitest";
import { parseTruthy, TruthinessError } from "../../lib/values/truthy.ts";

describe("parseTruthy", () => {
  it.each([
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    [1n, true],
    [0n, false],
    ["true", true],
    ["FALSE", false],
    ["Yes", true],
    ["no", false],
    ["t", true],
    ["F", false],
    ["On", true],
    ["off", false],
    ["1", true],
    ["0", false],
    [" yes ", true],
  ])("reads %s as %s", (value, expected) => {
    expect(parseTruthy(value, "beta")).toBe(expected);
  });

  it.each([[2], [-1], ["maybe"], [""], ["y"], [null], [undefined], [{}], [[]], [0.5]])(
    "refuses %j with an error naming column and value",
    (value) => {
      expect(() => parseTruthy(value, "beta")).toThrow(TruthinessError);
      expect(() => parseTruthy(value, "beta")).toThrow(
        /^column "beta": cannot read .* as true or false; use/,
      );
    },
  );

  it("quotes the offending string in the message", () => {
    expect(() => parseTruthy("maybe", "beta")).toThrow('column "beta": cannot read "maybe" as true or false');
  });
});
