import { describe, expect, it } from "vitest";
import { ReplayCache } from "../../lib/pipeline/webhook/replay-cache.ts";

describe("ReplayCache", () => {
  it("reports a second sighting before expiry as a replay, and accepts it again after", () => {
    const cache = new ReplayCache();
    expect(cache.remember("a", 1_000, 0)).toBe(true);
    expect(cache.remember("a", 1_000, 999)).toBe(false);
    expect(cache.remember("a", 2_000, 1_000)).toBe(true);
  });

  it("forgets on request, so a retry of a failed delivery gets through", () => {
    const cache = new ReplayCache();
    cache.remember("a", 1_000, 0);
    cache.forget("a");
    expect(cache.remember("a", 1_000, 1)).toBe(true);
  });

  it("stays within its capacity, evicting the oldest entries", () => {
    const cache = new ReplayCache(2);
    cache.remember("a", 10_000, 0);
    cache.remember("b", 10_000, 0);
    cache.remember("c", 10_000, 0);
    expect(cache.size).toBe(2);
    expect(cache.remember("a", 10_000, 1)).toBe(true);
    expect(cache.remember("c", 10_000, 1)).toBe(false);
  });

  it("drops expired entries as time passes", () => {
    const cache = new ReplayCache();
    cache.remember("a", 100, 0);
    cache.remember("b", 200, 0);
    cache.remember("c", 300, 250);
    expect(cache.size).toBe(1);
  });

  it("refuses a nonsensical capacity", () => {
    expect(() => new ReplayCache(0)).toThrow(/positive integer/);
  });
});
