import { describe, expect, it } from "vitest";
import { comparable, firstDifference } from "../../lib/sweep/deep-check.ts";
import { deepSliceOf } from "../../lib/sweep/object-key.ts";
import { DEFAULT_SWEEP_OPTIONS, sweepOptionsFromEnv } from "../../lib/sweep/options.ts";
import { RenderCache, rowDigest } from "../../lib/sweep/render-cache.ts";
import { parseSweepRequest } from "../../lib/sweep/request.ts";
import { holdReason } from "../../lib/sweep/valves.ts";

const quiet = {
  sourceError: undefined,
  tenantsRead: 100,
  liveObjects: 1000,
  managedTenants: 100,
  orphanTenants: 0,
  orphans: 0,
};

describe("safety valves", () => {
  it("hold deletions on an unreadable source, even with the override", () => {
    const reason = holdReason(
      { ...quiet, sourceError: "reading tenant source t failed: gone" },
      {
        ...DEFAULT_SWEEP_OPTIONS,
        allowMassDelete: true,
      },
    );
    expect(reason).toMatch(/^reading tenant source t failed: gone; nothing was deleted or repaired/);
  });

  it("hold deletions when the source is empty but objects exist, unless overridden", () => {
    const empty = { ...quiet, tenantsRead: 0, orphanTenants: 100, orphans: 1000 };
    expect(holdReason(empty, DEFAULT_SWEEP_OPTIONS)).toMatch(
      /returned no rows while 1000 managed objects of 100 tenants exist/,
    );
    expect(holdReason(empty, { ...DEFAULT_SWEEP_OPTIONS, allowMassDelete: true })).toBeUndefined();
    expect(
      holdReason({ ...empty, liveObjects: 0, orphanTenants: 0, orphans: 0 }, DEFAULT_SWEEP_OPTIONS),
    ).toBeUndefined();
  });

  it("hold deletions above the share or the count of managed tenants", () => {
    expect(holdReason({ ...quiet, orphanTenants: 10, orphans: 90 }, DEFAULT_SWEEP_OPTIONS)).toBeUndefined();
    expect(holdReason({ ...quiet, orphanTenants: 11, orphans: 99 }, DEFAULT_SWEEP_OPTIONS)).toBe(
      'the plan would delete 99 objects of 11 of 100 managed tenants (11%), over the limit of 10% or 100 tenants; nothing was deleted. Check the plan with {"dryRun": true}; if it is right, run the sweep once with {"allowMassDelete": true}.',
    );
    const big = { ...quiet, managedTenants: 10_000, orphanTenants: 101, orphans: 1000 };
    expect(holdReason(big, DEFAULT_SWEEP_OPTIONS)).toMatch(/101 of 10000 managed tenants \(1\.0%\)/);
  });
});

describe("sweep requests and options", () => {
  it("accepts a schedule's event, nothing, and the two flags; nothing else", () => {
    expect(parseSweepRequest(undefined)).toEqual({});
    expect(parseSweepRequest({ source: "aws.events", "detail-type": "Scheduled Event", detail: {} })).toEqual(
      {},
    );
    expect(parseSweepRequest({ dryRun: true })).toEqual({ dryRun: true });
    expect(parseSweepRequest({ allowMassDelete: true })).toEqual({ allowMassDelete: true });
    expect(() => parseSweepRequest({ allowmassdelete: true })).toThrow(/sweep expects .*allowmassdelete/);
  });

  it("reads TENANT_SYNC_SWEEP_* over the defaults and names what is wrong", () => {
    expect(sweepOptionsFromEnv({})).toEqual(DEFAULT_SWEEP_OPTIONS);
    expect(
      sweepOptionsFromEnv({
        TENANT_SYNC_SWEEP_MAX_DELETE_SHARE: "0.05",
        TENANT_SYNC_SWEEP_LABEL_SELECTOR: "team=a",
      }),
    ).toMatchObject({ maxDeleteShare: 0.05, labelSelector: "team=a", maxDeleteTenants: 100 });
    expect(() => sweepOptionsFromEnv({ TENANT_SYNC_SWEEP_MAX_DELETE_SHARE: "5" })).toThrow(
      /TENANT_SYNC_SWEEP_MAX_DELETE_SHARE/,
    );
  });
});

describe("deep-check comparison", () => {
  const live = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "x", resourceVersion: "1", managedFields: [{ manager: "a" }], annotations: { a: "1" } },
    data: { plan: "pro", note: "" },
    status: { anything: true },
  };
  it("ignores bookkeeping metadata, status and a list item's missing apiVersion and kind", () => {
    const { apiVersion: _a, kind: _k, ...item } = live;
    const after = {
      ...live,
      metadata: { ...live.metadata, resourceVersion: "2", managedFields: [] },
      status: {},
    };
    expect(firstDifference(comparable(item as never), comparable(after as never))).toBeUndefined();
  });
  it("names the first field that differs", () => {
    const after = { ...live, data: { plan: "basic", note: "" } };
    expect(firstDifference(comparable(live as never), comparable(after as never))).toBe("data.plan");
    const added = { ...live, metadata: { ...live.metadata, labels: { x: "y" } } };
    expect(firstDifference(comparable(live as never), comparable(added as never))).toBe("metadata.labels");
  });
});

describe("deep-check slices and the render cache", () => {
  it("spreads tenants over the slices of a period, stably", () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[deepSliceOf(`tenant-${i}`, 8)]++;
    for (const count of counts) expect(count).toBeGreaterThan(850);
    expect(deepSliceOf("acme", 96)).toBe(deepSliceOf("acme", 96));
  });

  it("reuses a render only for the same set version, cluster and row, and forgets what a run did not use", () => {
    const cache = new RenderCache<string>();
    const digest = `v1:${rowDigest("c", { id: 1, big: 2n })}`;
    cache.set("t\u0000app", digest, "objects");
    expect(cache.get("t\u0000app", digest)).toBe("objects");
    expect(cache.get("t\u0000app", `v2:${rowDigest("c", { id: 1, big: 2n })}`)).toBeUndefined();
    expect(cache.get("t\u0000app", `v1:${rowDigest("c", { id: 1, big: 3n })}`)).toBeUndefined();
    expect(rowDigest("c", { id: 1 })).not.toBe(rowDigest("d", { id: 1 }));
    cache.rotate();
    expect(cache.get("t\u0000app", digest)).toBe("objects");
    cache.rotate();
    cache.rotate();
    expect(cache.get("t\u0000app", digest)).toBeUndefined();
  });
});
