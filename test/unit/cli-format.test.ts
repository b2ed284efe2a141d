import { describe, expect, it } from "vitest";
import { objectDiff } from "../../lib/cli/diff/object-diff.ts";
import { diffExitCode } from "../../lib/cli/diff/summary.ts";
import type { TenantDiff } from "../../lib/cli/diff/tenant-diff.ts";
import { EXIT, worstExit } from "../../lib/cli/exit-codes.ts";
import { parseRowJson, parseValueFlag, rowFromFlags } from "../../lib/cli/render/row-values.ts";
import { formatAge } from "../../lib/cli/status/age.ts";
import { isReady } from "../../lib/cli/sync/sync-report.ts";
import { formatTable } from "../../lib/cli/table.ts";
import type { TenantOutcome } from "../../lib/engine/outcome.ts";

describe("formatAge", () => {
  const now = new Date("2026-03-01T12:00:00Z");
  it.each([
    ["2026-03-01T12:00:00Z", "just now"],
    ["2026-03-01T12:00:05Z", "just now"],
    ["2026-03-01T11:59:15Z", "45s ago"],
    ["2026-03-01T11:57:00Z", "3m ago"],
    ["2026-03-01T09:30:00Z", "2h ago"],
    ["2026-02-18T12:00:00Z", "11d ago"],
    ["not a time", "unknown"],
  ])("%s is %s", (time, expected) => {
    expect(formatAge(time, now)).toBe(expected);
  });
});

describe("row values from the command line", () => {
  it("reads values as JSON when they parse, else as text", () => {
    expect(parseValueFlag("replicas=3")).toEqual(["replicas", 3]);
    expect(parseValueFlag("beta=true")).toEqual(["beta", true]);
    expect(parseValueFlag('settings={"a":1}')).toEqual(["settings", { a: 1 }]);
    expect(parseValueFlag("zip=0123")).toEqual(["zip", "0123"]);
    expect(parseValueFlag("note=a=b")).toEqual(["note", "a=b"]);
    expect(parseValueFlag("empty=")).toEqual(["empty", ""]);
    expect(() => parseValueFlag("=x")).toThrow(/column=value/);
  });

  it("lays --value over --row-json and fills the key column", () => {
    expect(rowFromFlags("acme", "id", { plan: "basic", slug: "a" }, [["plan", "pro"]])).toEqual({
      plan: "pro",
      slug: "a",
      id: "acme",
    });
    expect(rowFromFlags("acme", "id", { id: "other" }, [])).toEqual({ id: "other" });
    expect(() => parseRowJson("[1]")).toThrow(/JSON object/);
    expect(() => parseRowJson("{")).toThrow(/not valid JSON/);
  });
});

describe("exit codes", () => {
  it("the lowest non-zero code wins", () => {
    expect(worstExit(EXIT.ok, EXIT.notReady, EXIT.problems)).toBe(EXIT.problems);
    expect(worstExit(EXIT.notReady, EXIT.error)).toBe(EXIT.error);
    expect(worstExit()).toBe(EXIT.ok);
  });

  const tenant = (objects: TenantDiff["objects"], error: TenantDiff["error"] = null): TenantDiff => ({
    tenant: "t",
    cluster: "local",
    action: "apply",
    rowFound: true,
    error,
    objects,
  });
  const where = { templateSet: "app", resourceId: "config" };

  it("diff: 0 when all match, 3 for differences, 2 for problems, 1 when something could not be read", () => {
    expect(diffExitCode(tenant([objectDiff("unchanged", where)]))).toBe(EXIT.ok);
    expect(diffExitCode(tenant([objectDiff("prune", where), objectDiff("unchanged", where)]))).toBe(
      EXIT.notReady,
    );
    expect(
      diffExitCode(tenant([objectDiff("create", where), objectDiff("error", where, { reason: "render" })])),
    ).toBe(EXIT.problems);
    expect(diffExitCode(tenant([], { reason: "unavailable", message: "cluster down" }))).toBe(EXIT.error);
  });

  it("sync: Ready after an apply, Deleted after a teardown, never for an unreadable row", () => {
    const outcome = (action: TenantOutcome["action"], phases: string[]): TenantOutcome => ({
      tenantKey: "t",
      action,
      cluster: "local",
      sets: phases.map((phase) => ({
        templateSet: "app",
        templateVersion: "v",
        phase: phase as never,
        resources: [],
        message: null,
        appliedHash: null,
      })),
      pruned: 0,
      retryable: false,
      writes: 0,
    });
    expect(isReady(outcome("apply", ["Ready", "Ready"]))).toBe(true);
    expect(isReady(outcome("apply", ["Ready", "Failed"]))).toBe(false);
    expect(isReady(outcome("teardown", ["Deleted"]))).toBe(true);
    expect(isReady(outcome("invalid", []))).toBe(false);
  });
});

describe("formatTable", () => {
  it("pads every column but the last", () => {
    expect(
      formatTable(
        ["A", "BB"],
        [
          ["xyz", "1"],
          ["q", "long value"],
        ],
      ),
    ).toEqual(["A    BB", "xyz  1", "q    long value"]);
  });
});
