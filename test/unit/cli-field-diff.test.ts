import { describe, expect, it } from "vitest";
import { comparable } from "../../lib/cli/diff/comparable.ts";
import { fieldDiff, formatFieldChange } from "../../lib/cli/diff/field-diff.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";

describe("fieldDiff", () => {
  it("reports added, removed and changed leaves with dotted paths, in key order", () => {
    const before = { data: { plan: "basic", old: "x" }, spec: { replicas: 1 } };
    const after = { data: { plan: "pro", note: "n" }, spec: { replicas: 1 } };
    expect(fieldDiff(before, after)).toEqual([
      { path: "data.note", op: "add", after: "n" },
      { path: "data.old", op: "remove", before: "x" },
      { path: "data.plan", op: "change", before: "basic", after: "pro" },
    ]);
  });

  it("quotes keys that are not identifiers", () => {
    expect(fieldDiff({ data: { "app.conf": "a" } }, { data: { "app.conf": "b" } })).toEqual([
      { path: 'data["app.conf"]', op: "change", before: "a", after: "b" },
    ]);
  });

  it("matches lists of named items by name, so an insertion is one addition", () => {
    const web = { name: "web", image: "nginx:1" };
    const sidecar = { name: "sidecar", image: "envoy" };
    const changes = fieldDiff({ containers: [web] }, { containers: [sidecar, { ...web, image: "nginx:2" }] });
    expect(changes).toEqual([
      { path: "containers[name=web].image", op: "change", before: "nginx:1", after: "nginx:2" },
      { path: "containers[name=sidecar]", op: "add", after: sidecar },
    ]);
  });

  it("compares other lists by position", () => {
    expect(fieldDiff({ args: ["a", "b"] }, { args: ["a", "c", "d"] })).toEqual([
      { path: "args[1]", op: "change", before: "b", after: "c" },
      { path: "args[2]", op: "add", after: "d" },
    ]);
  });

  it("treats a change of type as one change of the whole value", () => {
    expect(fieldDiff({ a: { b: 1 } }, { a: [1] })).toEqual([
      { path: "a", op: "change", before: { b: 1 }, after: [1] },
    ]);
    expect(fieldDiff({ a: 1 }, { a: "1" })).toEqual([{ path: "a", op: "change", before: 1, after: "1" }]);
  });

  it("finds nothing between equal values", () => {
    const value = { a: [{ name: "x", v: 1 }], b: { c: null } };
    expect(fieldDiff(value, structuredClone(value))).toEqual([]);
  });

  it("formats each kind of change for people", () => {
    expect(formatFieldChange({ path: "data.plan", op: "change", before: "basic", after: "pro" })).toBe(
      '~ data.plan: "basic" -> "pro"',
    );
    expect(formatFieldChange({ path: "data.note", op: "add", after: "n" })).toBe('+ data.note: "n"');
    expect(formatFieldChange({ path: "data.old", op: "remove", before: 1 })).toBe("- data.old: 1");
  });
});

describe("comparable", () => {
  const live: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "settings",
      namespace: "ns",
      uid: "u",
      resourceVersion: "12",
      generation: 3,
      creationTimestamp: "2026-01-01T00:00:00Z",
      managedFields: [{ manager: "tenant-sync" }],
      labels: { app: "x" },
      annotations: {
        "tenant-sync.io/content-hash": "abc",
        "tenant-sync.io/template-version": "v1",
        "tenant-sync.io/tenant-key": "acme",
        "example.com/keep": "yes",
      },
    },
    data: { plan: "pro" },
    status: { phase: "Active" },
  };

  it("drops status, server metadata and tenant-sync's bookkeeping annotations except the content hash", () => {
    expect(comparable(live)).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "settings",
        namespace: "ns",
        labels: { app: "x" },
        annotations: { "tenant-sync.io/content-hash": "abc", "example.com/keep": "yes" },
      },
      data: { plan: "pro" },
    });
    expect(live.status).toEqual({ phase: "Active" });
  });

  it("so a new template version alone is no difference", () => {
    const next = structuredClone(live);
    (next.metadata.annotations as Record<string, string>)["tenant-sync.io/template-version"] = "v2";
    next.metadata.resourceVersion = "13";
    expect(fieldDiff(comparable(live), comparable(next))).toEqual([]);
  });
});
