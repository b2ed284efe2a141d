import type { InventoryEntry } from "../../db/inventory-store.ts";
import type { TenantRecord } from "../../db/source.ts";
import type { StatusRecord } from "../../db/status-store.ts";
import type { ClusterClient } from "../../kube/cluster-client.ts";
import { NamespaceGuard } from "../../kube/manager/namespace-guard.ts";
import { ResourceManager } from "../../kube/manager/resource-manager.ts";
import { contentHash } from "../../templates/canonical.ts";
import type { TemplateSet } from "../../templates/model.ts";
import type { TenantRender } from "../../templates/render.ts";
import { type AppliedSet, applySet } from "../apply-set.ts";
import { type SetOutcome, summarize } from "../outcome.ts";
import { setOutcome, statusRow } from "../status-row.ts";

export interface ApplySetsInput {
  record: TenantRecord;
  selected: readonly TemplateSet[];
  renders: ReadonlyMap<string, TenantRender>;
  bySet: ReadonlyMap<string, ReadonlyMap<string, InventoryEntry>>;
  /** The tenant's cluster, or why there is none (every set then fails with that message). */
  client: ClusterClient | undefined;
  clusterError: string | undefined;
  skipUnchanged: boolean;
  concurrency: number;
  deadline: number | undefined;
}

export interface AppliedSets {
  applied: Map<string, AppliedSet>;
  outcomes: SetOutcome[];
  statuses: StatusRecord[];
}

/**
 * Phase 4: applies every selected set through one resource manager per reconcile. Sets that create
 * namespaces go first, so another set's objects never race their namespace into existence.
 */
export async function applySets(input: ApplySetsInput): Promise<AppliedSets> {
  const { record, selected, renders, client } = input;
  const result: AppliedSets = { applied: new Map(), outcomes: [], statuses: [] };
  const createsNamespace = (set: TemplateSet) =>
    renders
      .get(set.name)
      ?.resources.some((r) => r.ok && r.object.kind === "Namespace" && !r.object.apiVersion.includes("/"));
  const stages = [selected.filter(createsNamespace), selected.filter((set) => !createsNamespace(set))];
  const namespaces = client && new NamespaceGuard(client, record.key);
  const manager = client && new ResourceManager(client, { tenantKey: record.key, namespaces });
  for (const stage of stages) {
    await Promise.all(
      stage.map(async (set) => {
        if (!manager || !namespaces) {
          const message = input.clusterError ?? "cluster unavailable";
          const status = statusRow(record.key, set, record.cluster, "Failed", message);
          result.statuses.push(status);
          result.outcomes.push({ ...setOutcome(set, status), resources: [] });
          return;
        }
        const applied = await applySet({
          manager,
          set,
          render: renders.get(set.name) as TenantRender,
          inventory: input.bySet.get(set.name) ?? new Map(),
          skipUnchanged: input.skipUnchanged,
          concurrency: input.concurrency,
          namespaces,
          deadline: input.deadline,
        });
        result.applied.set(set.name, applied);
        const { phase, message } = summarize(applied.resources);
        const status: StatusRecord = {
          ...statusRow(record.key, set, record.cluster, phase, message),
          desired: set.resources.length,
          ready: applied.resources.filter((r) => r.state === "ready").length,
          failed: applied.resources.filter((r) => r.state === "failed" || r.state === "conflicted").length,
          skipped: applied.resources.filter((r) => r.state === "skipped").length,
          appliedHash: phase === "Ready" ? combinedHash(applied.hashes) : null,
        };
        result.statuses.push(status);
        result.outcomes.push({ ...setOutcome(set, status), resources: applied.resources });
      }),
    );
  }
  return result;
}

/** One hash for a set's applied objects, so `status` shows whether a tenant's content changed. */
function combinedHash(hashes: ReadonlyMap<string, string>): string {
  return contentHash(Object.fromEntries(hashes));
}
