import type { InventoryEntry } from "../db/inventory-store.ts";
import { TenantSyncError } from "../errors.ts";
import {
  type LabelRequirement,
  LabelSelectorError,
  labelsMatch,
  parseLabelSelector,
  requirementHolds,
} from "../kube/label-selector.ts";
import {
  LABEL_RESOURCE,
  LABEL_TEMPLATE_SET,
  LABEL_TENANT,
  OWNERSHIP_LABELS,
  ownershipLabels,
} from "../kube/labels.ts";
import type { TemplateSet } from "../templates/model.ts";

/** The sweep's label selector names a label it cannot judge desired objects by: the run is refused. */
export class SweepScopeError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "SweepScopeError";
  }
}

/**
 * What the sweep's label selector (`labelSelector`) takes in, judged on all three sides alike: the live
 * listing (the API server applies it), the desired objects (their rendered labels, which are the labels the
 * live objects carry) and the inventory (the tenant-sync labels an entry implies). Whatever the selector
 * leaves out is neither repaired, nor deleted, nor cleaned out of the inventory.
 */
export class SweepScope {
  readonly text: string;
  /** Why the selector cannot be read, when it cannot: the API server refuses it too (see surveyClusters). */
  readonly unreadable: string | undefined;
  private readonly requirements: readonly LabelRequirement[];

  constructor(text: string) {
    this.text = text;
    let requirements: LabelRequirement[] = [];
    let unreadable: string | undefined;
    try {
      requirements = parseLabelSelector(text);
    } catch (error) {
      if (!(error instanceof LabelSelectorError)) throw error;
      unreadable = `label selector "${text}" cannot be read: ${error.message}`;
    }
    this.requirements = requirements;
    this.unreadable = unreadable;
  }

  /** Label keys the selector names. */
  get keys(): string[] {
    return [...new Set(this.requirements.map((r) => r.key))];
  }

  /** Whether an object with these labels is in scope. An unreadable selector takes in nothing. */
  takes(labels: Readonly<Record<string, string>> | undefined): boolean {
    return this.unreadable === undefined && labelsMatch(this.requirements, labels ?? {});
  }

  /**
   * Whether the object of an inventory entry is in scope, judged by the labels the entry implies (tenant,
   * set, resource): undefined when the selector also names labels only the object itself carries.
   */
  takesEntry(entry: Pick<InventoryEntry, "tenantKey" | "templateSet" | "resourceId">): boolean | undefined {
    if (this.unreadable !== undefined) return undefined;
    const labels = ownershipLabels(entry.tenantKey, entry.templateSet, entry.resourceId);
    let decided = true;
    for (const requirement of this.requirements) {
      if (!Object.hasOwn(labels, requirement.key)) decided = false;
      else if (!requirementHolds(requirement, labels)) return false;
    }
    return decided ? true : undefined;
  }
}

/**
 * The scope of a run, or undefined without a selector. Refuses a selector on a label that neither
 * tenant-sync nor any template of the loaded sets sets: the desired objects never carry it, so the sweep
 * could not tell which of them the selector takes in, and a label someone added by hand would decide.
 */
export function sweepScope(text: string | undefined, sets: readonly TemplateSet[]): SweepScope | undefined {
  if (text === undefined) return undefined;
  const scope = new SweepScope(text);
  const unknown = scope.keys.filter(
    (key) =>
      !(OWNERSHIP_LABELS as readonly string[]).includes(key) && !sets.some((set) => setsLabel(set, key)),
  );
  if (unknown.length > 0) {
    const names = sets.map((set) => set.name).join(", ") || "none loaded";
    throw new SweepScopeError(
      `label selector "${text}" names label ${unknown.join(", ")}, which neither tenant-sync nor any template ` +
        `set (${names}) sets, so the sweep cannot tell which desired objects it selects; nothing was done. ` +
        `Select on labels the templates set, or on ${LABEL_TEMPLATE_SET}, ${LABEL_RESOURCE} or ${LABEL_TENANT}.`,
    );
  }
  return scope;
}

/** Whether a set's templates write `key` as a YAML key (labels are maps), block or flow style, quoted or not. */
function setsLabel(set: TemplateSet, key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pattern = new RegExp(`(^|[\\s{,])["']?${escaped}["']?\\s*:`, "m");
  return set.resources.some((resource) => pattern.test(resource.source));
}
