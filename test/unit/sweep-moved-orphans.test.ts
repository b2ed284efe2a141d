import { describe, expect, it } from "vitest";
import type { DesiredIndex } from "../../lib/sweep/desired-index.ts";
import { holdMovedOrphans } from "../../lib/sweep/moved-orphans.ts";
import type { Orphan } from "../../lib/sweep/plan.ts";

const orphan = (tenantKey: string, cluster: string) => ({ tenantKey, cluster }) as Orphan;
const desired = (tenants: Record<string, { cluster: string; active: boolean }>) =>
  ({ tenants: new Map(Object.entries(tenants)) }) as unknown as DesiredIndex;

describe("holdMovedOrphans", () => {
  const index = desired({
    moved: { cluster: "b", active: true },
    off: { cluster: "b", active: false },
  });

  it("keeps a moved tenant's old objects while its new cluster was not swept", () => {
    const { standing, waiting } = holdMovedOrphans([orphan("moved", "a")], index, new Set(["a"]), new Map());
    expect(standing).toEqual([]);
    expect(waiting).toEqual([orphan("moved", "a")]);
  });

  it("keeps them while the tenant needs a repair on the new cluster", () => {
    const repairs = new Map([["moved", {}]]);
    const { waiting } = holdMovedOrphans([orphan("moved", "a")], index, new Set(["a", "b"]), repairs);
    expect(waiting).toHaveLength(1);
  });

  it("lets them go once the new cluster was swept and needs nothing", () => {
    const { standing } = holdMovedOrphans([orphan("moved", "a")], index, new Set(["a", "b"]), new Map());
    expect(standing).toHaveLength(1);
  });

  it("never holds orphans of deleted or deactivated tenants", () => {
    const { standing } = holdMovedOrphans(
      [orphan("gone", "a"), orphan("off", "a")],
      index,
      new Set(),
      new Map(),
    );
    expect(standing).toHaveLength(2);
  });
});
