import { describeApiError, isTransient, statusCode } from "./api-errors.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { onlyPaths, withoutPaths } from "./field-paths.ts";
import {
  FIELD_MANAGER,
  isOrphanOf,
  isOwnedBy,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  MANAGED_BY_VALUE,
} from "./labels.ts";
import { describeRef, type KubeObject, refOf } from "./object-ref.ts";
import { readoptOrphan } from "./orphans.ts";
import type { ResourcePolicy } from "./policy.ts";
import { readinessNeedsRead } from "./readiness.ts";

export type ApplyOutcome =
  | { state: "applied"; live: KubeObject; wrote: boolean; created: boolean }
  | { state: "conflicted"; message: string }
  | { state: "failed"; message: string; transient: boolean };

export interface ApplyContext {
  tenantKey: string;
  templateSet: string;
  /** The inventory already lists this object for this tenant: ownership was checked when it was created. */
  known: boolean;
  /** The inventory's hash equals the desired hash, so an apply would change nothing we own. */
  unchanged: boolean;
  /** Skip the apply of unchanged objects (no writes in steady state); repairs pass false. */
  skipUnchanged: boolean;
  dryRun?: boolean;
  /** Why this tenant may not create objects in a namespace (another tenant's), checked before a create. */
  namespaces?: { refusal(namespace: string): Promise<string | undefined> };
}

// Fields in ignoreFields are handed at creation to a second manager, so our manager never owns them and
// leaving them out later does not remove them (SSA drops a field only when no other manager owns it).
const SEED_MANAGER = `${FIELD_MANAGER}-seed`;

async function readIfExists(client: ClusterClient, object: KubeObject): Promise<KubeObject | undefined> {
  try {
    return await client.get(refOf(object));
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}

type Claim =
  | { state: "ours"; live: KubeObject; readopted: boolean }
  | Extract<ApplyOutcome, { state: "failed" }>;

/** Whether this tenant may apply to an object that exists: its own, its own orphan (taken back), or not. */
async function claim(
  client: ClusterClient,
  existing: KubeObject,
  desired: KubeObject,
  context: ApplyContext,
): Promise<Claim> {
  if (isOwnedBy(existing.metadata, context.tenantKey)) {
    return { state: "ours", live: existing, readopted: false };
  }
  if (!isOrphanOf(existing.metadata, context.tenantKey)) {
    return { state: "failed", message: foreignOwnerMessage(existing, context), transient: false };
  }
  // What a Retain left behind for this same tenant is its own again when the tenant comes back.
  if (context.dryRun) return { state: "ours", live: existing, readopted: false };
  try {
    return { state: "ours", live: await readoptOrphan(client, existing, desired), readopted: true };
  } catch (error) {
    if (statusCode(error) !== 409) throw error;
    const message = `${describeRef(refOf(existing))} changed while tenant-sync was taking it back as an orphan of tenant ${context.tenantKey}; retried`;
    return { state: "failed", message, transient: true };
  }
}

function foreignOwnerMessage(live: KubeObject, context: ApplyContext): string {
  const labels = live.metadata.labels ?? {};
  const owner =
    labels[LABEL_MANAGED_BY] === MANAGED_BY_VALUE
      ? `it belongs to tenant label ${labels[LABEL_TENANT] ?? "(none)"}`
      : "it does not carry the tenant-sync labels";
  return `${describeRef(refOf(live))} already exists and ${owner}; tenant-sync will not modify it for tenant ${context.tenantKey}`;
}

/** Server-side applies one rendered object according to its policies. Never throws for API errors. */
export async function applyObject(
  client: ClusterClient,
  desired: KubeObject,
  policy: ResourcePolicy,
  context: ApplyContext,
): Promise<ApplyOutcome> {
  try {
    const skip = context.known && context.unchanged && context.skipUnchanged;
    // Steady state costs nothing: the inventory says this exact content is applied and nobody waits on it.
    const mustRead =
      policy.readiness.wait &&
      readinessNeedsRead(desired.apiVersion, desired.kind, policy.readiness.condition);
    if (skip && !mustRead) return { state: "applied", live: desired, wrote: false, created: false };
    let existing: KubeObject | undefined;
    let readopted = false;
    if (!context.known || policy.creation === "Once" || skip) {
      const found = await readIfExists(client, desired);
      if (found) {
        const claimed = await claim(client, found, desired, context);
        if (claimed.state === "failed") return claimed;
        existing = claimed.live;
        readopted = claimed.readopted;
      }
    }
    const creating = !context.known && !existing;
    const namespace = desired.metadata.namespace;
    if (creating && namespace !== undefined && context.namespaces) {
      const refusal = await context.namespaces.refusal(namespace);
      if (refusal)
        return { state: "failed", message: `${describeRef(refOf(desired))}: ${refusal}`, transient: false };
    }
    if (existing && (policy.creation === "Once" || skip)) {
      return { state: "applied", live: existing, wrote: readopted, created: false };
    }
    const force = policy.conflict === "Force";
    const dryRun = context.dryRun ?? false;
    if (creating && policy.ignoreFields.length > 0 && !dryRun) {
      await client.apply(desired, { force, dryRun });
      await client.apply(onlyPaths(desired, policy.ignoreFields) as KubeObject, {
        fieldManager: SEED_MANAGER,
      });
      const live = await client.apply(withoutPaths(desired, policy.ignoreFields), { force });
      return { state: "applied", live, wrote: true, created: true };
    }
    const body = creating ? desired : withoutPaths(desired, policy.ignoreFields);
    const live = await client.apply(body, { force, dryRun });
    return { state: "applied", live, wrote: true, created: creating };
  } catch (error) {
    const message = `${client.describe(refOf(desired))}: ${describeApiError(error)}`;
    return statusCode(error) === 409
      ? { state: "conflicted", message }
      : { state: "failed", message, transient: isTransient(error) };
  }
}
