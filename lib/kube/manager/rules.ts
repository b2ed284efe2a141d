import { withoutPaths } from "../field-paths.ts";
import {
  FIELD_MANAGER,
  isOrphanOf,
  isOwnedBy,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  MANAGED_BY_VALUE,
} from "../labels.ts";
import type { KubeObject } from "../object-ref.ts";
import type { ResourcePolicy } from "../policy.ts";

/**
 * The rules for one object, each written once: apply, diff, remove and the sweep's deep check all decide
 * by these, so a dry run predicts exactly what the apply does.
 */

/** Whose object an existing one is, seen from one tenant. */
export type Ownership =
  | { state: "ours" }
  /** What a Retain left behind for this same tenant: its own again when the tenant comes back (orphans.ts). */
  | { state: "orphan" }
  /** `owner` completes "… already exists and …": whom it belongs to, or that it carries no labels of ours. */
  | { state: "foreign"; owner: string };

export function ownershipOf(live: KubeObject, tenantKey: string): Ownership {
  if (isOwnedBy(live.metadata, tenantKey)) return { state: "ours" };
  if (isOrphanOf(live.metadata, tenantKey)) return { state: "orphan" };
  const labels = live.metadata.labels ?? {};
  const owner =
    labels[LABEL_MANAGED_BY] === MANAGED_BY_VALUE
      ? `belongs to tenant label ${labels[LABEL_TENANT] ?? "(none)"}`
      : "does not carry the tenant-sync labels";
  return { state: "foreign", owner };
}

/** Why this tenant may not create objects in a namespace (another tenant's): namespace-guard.ts. */
export interface NamespaceRefusal {
  refusal(namespace: string): Promise<string | undefined>;
}

/** `creation: Once`: created when absent, never updated once it exists (so never dry-run against either). */
export function updatesExisting(policy: Pick<ResourcePolicy, "creation">): boolean {
  return policy.creation !== "Once";
}

// Fields in ignoreFields are handed at creation to a second manager, so our manager never owns them and
// leaving them out later does not remove them (SSA drops a field only when no other manager owns it).
export const SEED_MANAGER = `${FIELD_MANAGER}-seed`;

/** What our apply sends: the whole object at creation, afterwards without the fields another controller owns. */
export function applyBody(
  desired: KubeObject,
  policy: Pick<ResourcePolicy, "ignoreFields">,
  creating: boolean,
): KubeObject {
  return creating ? desired : withoutPaths(desired, policy.ignoreFields);
}

/** A creation that hands ignoreFields to the seed manager (apply.ts); a dry run cannot seed, so it never does. */
export function seedsIgnoredFields(
  policy: Pick<ResourcePolicy, "ignoreFields">,
  creating: boolean,
  dryRun: boolean,
): boolean {
  return creating && policy.ignoreFields.length > 0 && !dryRun;
}

/** `conflict: Force` takes fields another manager owns; `Stuck` reports the conflict. */
export function applyOptions(
  policy: Pick<ResourcePolicy, "conflict">,
  dryRun: boolean,
): { force: boolean; dryRun: boolean } {
  return { force: policy.conflict === "Force", dryRun };
}
