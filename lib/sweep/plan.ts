import type { DeletionPolicy, InventoryEntry } from "../db/inventory-store.ts";
import { tenantLabelValue } from "../kube/labels.ts";
import type { KubeMetadata } from "../kube/object-ref.ts";
import type { TemplateSet } from "../templates/model.ts";
import type { Contest } from "./claims.ts";
import type { DesiredIndex, DesiredObject } from "./desired-index.ts";
import { type LiveObject, liveObject } from "./live-list.ts";
import { getOrCreate } from "./maps.ts";
import { objectKey } from "./object-key.ts";
import type { SweepCounts } from "./result.ts";
import type { SweepScope } from "./scope.ts";

/** Why a tenant is repaired; the inventory mark makes its next reconcile re-apply the object. */
export type RepairReason = "missing" | "drifted" | "deleted-by-hand" | "unrecorded" | "deep-drift";

export interface Repair {
  /** Categories and resources, e.g. "drifted webapp/configmap". */
  reasons: string[];
  /** Inventory entries (set, resource, cluster) to mark as not applied, so a reconcile re-applies them. */
  marks: { templateSet: string; resourceId: string; cluster: string; reason: RepairReason }[];
}

/** A live object tenant-sync made that nothing renders any more. */
export interface Orphan {
  tenantKey: string;
  cluster: string;
  object: LiveObject;
  templateSet: string;
  resourceId: string;
  reason: string;
  deletion: DeletionPolicy;
  dependsOn: string[];
  /** The inventory entry naming exactly this object, to remove once the object is gone. */
  inventoryKey: { templateSet: string; resourceId: string; cluster: string } | undefined;
  /** Whether the reason covers the whole set for this tenant (tenant gone, set dropped): its status becomes Deleted. */
  wholeSet: boolean;
}

/** An object several tenants render: who owns it (by its labels, else the inventory), and the others. */
export interface Collision {
  object: string;
  owner: string | undefined;
  tenants: string[];
}

export interface Plan {
  repairs: Map<string, Repair>;
  orphans: Orphan[];
  collisions: Collision[];
  /** Inventory entries of objects that exist nowhere and are wanted nowhere, per tenant. */
  staleInventory: Map<string, { templateSet: string; resourceId: string; cluster: string }[]>;
  /** Tenants owning a live object or an inventory entry. */
  managedTenants: Set<string>;
  /** Shallow-equal desired objects of deep-check tenants, by object key: candidates for the deep check. */
  deepCandidates: Map<string, DesiredObject>;
  liveObjects: number;
}

export const emptyPlan = (): Plan => ({
  repairs: new Map(),
  orphans: [],
  collisions: [],
  staleInventory: new Map(),
  managedTenants: new Set(),
  deepCandidates: new Map(),
  liveObjects: 0,
});

/** Adds one tenant's repair reason to the plan. */
export function addRepair(plan: Plan, object: DesiredObject, reason: RepairReason, mark: boolean): void {
  const repair = getOrCreate(plan.repairs, object.tenantKey, (): Repair => ({ reasons: [], marks: [] }));
  repair.reasons.push(`${reason} ${object.templateSet}/${object.resourceId}`);
  if (mark) {
    repair.marks.push({
      templateSet: object.templateSet,
      resourceId: object.resourceId,
      cluster: object.cluster,
      reason,
    });
  }
}

/** Per desired object, what the inventory and the cluster said about it (bit flags, one small number each). */
const RECORDED = 1; // the inventory has this object for this tenant, set and resource
const RECORDED_SAME = 2; // ... with the desired hash
const FOUND = 4; // the cluster has it, with this tenant's label, not being deleted
const HASH_SAME = 8; // ... with the desired hash in its annotation
const FOREIGN = 16; // the cluster has an object there that another tenant owns
const OWNED = 32; // the cluster has it with this tenant's label (even while it is being deleted)

export interface ComparisonInput {
  cluster: string;
  desired: DesiredIndex;
  sets: readonly TemplateSet[];
  /** The run's label selector: desired objects and inventory entries outside it are left alone. */
  scope?: SweepScope | undefined;
}

/**
 * Compares what one cluster should hold with what it holds and what the inventory says was applied,
 * streaming: feed every inventory entry of the cluster (addInventory), then every live object's metadata
 * (addLive), then finish(). Neither the inventory nor the live objects are kept, except the few that no
 * desired object accounts for, so memory stays at the size of the desired picture.
 *
 * Desired objects come out missing, deleted by hand (the inventory had it), drifted (the content-hash
 * annotation differs or is gone) or unrecorded (the inventory lags). Live objects nothing renders are orphans,
 * unless their tenant's row is unreadable or their resource does not render (then they are protected).
 *
 * Several tenants may render the same object (names that collide after sanitising). The live object's
 * tenant label says who owns it; without a live object, the one tenant the inventory records as having
 * applied it. The owner is judged as usual; the other tenants are reported as colliding and never repaired
 * for it, so no sweep deletes the owner's object or hands it to another tenant. When nobody owns it, every
 * tenant that renders it is judged (the engine gives it to the first that applies it, and refuses the rest).
 */
export class ClusterComparison {
  private readonly input: ComparisonInput;
  private readonly plan: Plan;
  private readonly counts: SweepCounts;
  private readonly wanted: ReadonlyMap<string, DesiredObject>;
  private readonly contested: ReadonlyMap<string, Contest>;
  private readonly flags = new Map<DesiredObject, number>();
  /** Inventory entries that no desired object accounts for, by object key, and which of them are live. */
  private readonly extra = new Map<string, InventoryEntry>();
  private readonly extraLive = new Set<string>();
  private readonly candidates: LiveObject[] = [];

  constructor(input: ComparisonInput, plan: Plan, counts: SweepCounts) {
    this.input = input;
    this.plan = plan;
    this.counts = counts;
    this.wanted = input.desired.objects.get(input.cluster) ?? new Map();
    this.contested = input.desired.contested?.get(input.cluster) ?? new Map();
  }

  addInventory(entry: InventoryEntry): void {
    const key = objectKey(this.input.cluster, entry.apiVersion, entry.kind, entry.namespace, entry.name);
    const object = this.claimsAt(key).find((claim) => claim.tenantKey === entry.tenantKey);
    if (
      object !== undefined &&
      object.templateSet === entry.templateSet &&
      object.resourceId === entry.resourceId
    ) {
      if (!object.outOfScope) this.plan.managedTenants.add(entry.tenantKey);
      this.flag(object, RECORDED | (entry.contentHash === object.hash ? RECORDED_SAME : 0));
    } else {
      // Entries the selector cannot place count once their object is listed (judgeLive).
      if (this.inScope(entry)) this.plan.managedTenants.add(entry.tenantKey);
      this.extra.set(key, entry);
    }
  }

  addLive(apiVersion: string, kind: string, meta: KubeMetadata): void {
    this.plan.liveObjects++;
    const live = liveObject(this.input.cluster, apiVersion, kind, meta);
    if (this.extra.has(live.key)) this.extraLive.add(live.key);
    const claims = this.claimsAt(live.key);
    const owner = claims.find(
      (claim) => live.tenantLabel === this.input.desired.tenants.get(claim.tenantKey)?.label,
    );
    if (owner !== undefined) {
      this.plan.managedTenants.add(owner.tenantKey);
      const found = live.deleting ? 0 : FOUND | (live.hash === owner.hash ? HASH_SAME : 0);
      this.flag(owner, OWNED | found);
      return;
    }
    // Another tenant's object sits where these belong; the engine reports that conflict.
    for (const claim of claims) this.flag(claim, FOREIGN);
    this.candidates.push(live);
  }

  finish(): void {
    const { plan } = this;
    for (const object of this.wanted.values()) {
      const contest = this.contested.get(object.key);
      if (contest === undefined) this.judgeDesired(object);
      else this.judgeContest(contest);
    }
    for (const live of this.candidates) this.judgeLive(live);
    for (const [key, entry] of this.extra) {
      if (this.extraLive.has(key)) continue;
      if (isProtected(this.input.desired, entry.tenantKey, entry.templateSet, entry.resourceId)) continue;
      // Not listed says "gone" only when the listing could have shown it.
      if (this.inScope(entry) !== true) continue;
      // The object named here is gone, and no longer wanted at this place: the entry only misleads teardown.
      const list = getOrCreate(plan.staleInventory, entry.tenantKey, () => []);
      list.push({
        templateSet: entry.templateSet,
        resourceId: entry.resourceId,
        cluster: this.input.cluster,
      });
    }
  }

  /** The desired objects several tenants claim at one key, one per tenant (the first is in `wanted`). */
  private claimsAt(key: string): readonly DesiredObject[] {
    const contest = this.contested.get(key);
    if (contest) return contest.claims;
    const object = this.wanted.get(key);
    return object === undefined ? [] : [object];
  }

  private inScope(entry: InventoryEntry): boolean | undefined {
    return this.input.scope === undefined ? true : this.input.scope.takesEntry(entry);
  }

  /**
   * Only the owner of a contested object is judged: by the live object's labels, else the one tenant whose
   * inventory has it (deleted by hand). Without an owner, every claim is judged as missing or foreign.
   */
  private judgeContest(contest: Contest): void {
    const flagged = (bits: number) => contest.claims.filter((claim) => (this.flags.get(claim) ?? 0) & bits);
    const recorded = flagged(RECORDED);
    const owner = flagged(OWNED)[0] ?? (recorded.length === 1 ? recorded[0] : undefined);
    if (contest.claims.every((claim) => claim.outOfScope)) return;
    const others = contest.claims.filter((claim) => claim !== owner && !claim.outOfScope);
    this.counts.colliding += others.length;
    this.plan.collisions.push({
      object: contest.object,
      owner: owner?.tenantKey,
      tenants: others.map((claim) => claim.tenantKey),
    });
    if (owner !== undefined) this.judgeDesired(owner);
    else for (const claim of contest.claims) this.judgeDesired(claim);
  }

  private judgeDesired(object: DesiredObject): void {
    const { plan, counts } = this;
    if (object.outOfScope) return;
    const flags = this.flags.get(object) ?? 0;
    if (flags & FOREIGN) {
      counts.foreign++;
    } else if (!(flags & FOUND)) {
      if (flags & RECORDED) {
        counts.deletedByHand++;
        addRepair(plan, object, "deleted-by-hand", true);
      } else {
        counts.missing++;
        addRepair(plan, object, "missing", false);
      }
    } else if (!object.once && !(flags & HASH_SAME)) {
      counts.drifted++;
      addRepair(plan, object, "drifted", true);
    } else if (!(flags & RECORDED_SAME)) {
      counts.unrecorded++;
      addRepair(plan, object, "unrecorded", false);
    } else if (this.input.desired.deepRows.has(object.tenantKey)) {
      plan.deepCandidates.set(object.key, object);
    }
  }

  private flag(object: DesiredObject, bits: number): void {
    this.flags.set(object, (this.flags.get(object) ?? 0) | bits);
  }

  private judgeLive(live: LiveObject): void {
    const { plan, counts } = this;
    const { cluster, desired, sets } = this.input;
    const recorded = this.extra.get(live.key);
    const tenantKey = attribute(live, recorded, desired);
    if (tenantKey === undefined) {
      counts.unattributable++;
      return;
    }
    plan.managedTenants.add(tenantKey);
    if (live.deleting) return;
    const verdict = judge(this.input, live, tenantKey);
    if (verdict.protected) {
      counts.protected++;
      return;
    }
    const tenantSets = desired.tenants.get(tenantKey)?.pinned ?? sets;
    const set = tenantSets.find((s) => s.name === live.templateSet);
    const resource = set?.resources.find((r) => r.id === live.resourceId);
    const entry = recorded?.tenantKey === tenantKey ? recorded : undefined;
    plan.orphans.push({
      tenantKey,
      cluster,
      object: live,
      templateSet: live.templateSet ?? entry?.templateSet ?? "(none)",
      resourceId: live.resourceId ?? entry?.resourceId ?? `${live.kind}/${live.name}`,
      reason: verdict.reason,
      // The inventory knows how the object was applied; else the template, if it still has the resource.
      deletion: entry?.deletionPolicy ?? resource?.deletion ?? "Delete",
      dependsOn: entry?.dependsOn ?? [...(resource?.dependsOn ?? [])],
      inventoryKey: entry
        ? { templateSet: entry.templateSet, resourceId: entry.resourceId, cluster }
        : undefined,
      wholeSet: verdict.wholeSet,
    });
  }
}

/** The tenant key of a live object: its annotation, else the inventory, else a known tenant's label. */
function attribute(
  object: LiveObject,
  entry: InventoryEntry | undefined,
  desired: DesiredIndex,
): string | undefined {
  if (object.tenantKey !== undefined) return object.tenantKey;
  const label = object.tenantLabel;
  if (label === undefined) return undefined;
  if (entry && tenantLabelValue(entry.tenantKey) === label) return entry.tenantKey;
  const known = desired.byLabel.get(label);
  if (known !== undefined) return known;
  // A label that is the key itself (not a `k-` hash) names its tenant even without the annotation.
  return tenantLabelValue(label) === label ? label : undefined;
}

function isProtected(desired: DesiredIndex, tenantKey: string, templateSet: string, resourceId: string) {
  if (desired.invalid.has(tenantKey)) return true;
  const tenant = desired.tenants.get(tenantKey);
  if (!tenant?.active) return false;
  return (
    tenant.sets.get(templateSet) === "error" || tenant.unrenderable.has(`${templateSet}\u0000${resourceId}`)
  );
}

type Verdict = { protected: true } | { protected: false; reason: string; wholeSet: boolean };

/** Why nothing renders this object any more, or that it must be left alone. */
function judge(input: ComparisonInput, object: LiveObject, tenantKey: string): Verdict {
  const { desired, sets, cluster } = input;
  if (desired.invalid.has(tenantKey)) return { protected: true };
  const tenant = desired.tenants.get(tenantKey);
  if (!tenant) return { protected: false, reason: "tenant deleted", wholeSet: true };
  if (!tenant.active) return { protected: false, reason: "tenant deactivated", wholeSet: true };
  if (tenant.cluster !== cluster) {
    return { protected: false, reason: `tenant moved to cluster ${tenant.cluster}`, wholeSet: false };
  }
  const setName = object.templateSet ?? "";
  const set = (tenant.pinned ?? sets).find((s) => s.name === setName);
  if (!set) return { protected: false, reason: `template set ${setName} removed`, wholeSet: true };
  const selection = tenant.sets.get(setName);
  if (selection === "error") return { protected: true };
  if (selection === "unselected") {
    return { protected: false, reason: "template set no longer selects this tenant", wholeSet: true };
  }
  const resourceId = object.resourceId ?? "";
  if (!set.resources.some((r) => r.id === resourceId)) {
    return { protected: false, reason: `resource ${resourceId} removed from template set`, wholeSet: false };
  }
  if (tenant.unrenderable.has(`${setName}\u0000${resourceId}`)) return { protected: true };
  return { protected: false, reason: `resource ${resourceId} now renders another object`, wholeSet: false };
}
