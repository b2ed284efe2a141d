import { describeApiError, isTransient, statusCode } from "../api-errors.ts";
import type { ClusterClient } from "../cluster-client.ts";
import { onlyPaths } from "../field-paths.ts";
import { describeRef, type KubeObject, refOf } from "../object-ref.ts";
import { readoptOrphan } from "../orphans.ts";
import type { ResourcePolicy } from "../policy.ts";
import { readinessNeedsRead } from "../readiness.ts";
import { readIfExists } from "./read.ts";
import {
  applyBody,
  applyOptions,
  type NamespaceRefusal,
  ownershipOf,
  SEED_MANAGER,
  seedsIgnoredFields,
  updatesExisting,
} from "./rules.ts";

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
  namespaces?: NamespaceRefusal;
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
  const ownership = ownershipOf(existing, context.tenantKey);
  if (ownership.state === "ours") return { state: "ours", live: existing, readopted: false };
  if (ownership.state === "foreign") {
    const message = `${describeRef(refOf(existing))} already exists and it ${ownership.owner}; tenant-sync will not modify it for tenant ${context.tenantKey}`;
    return { state: "failed", message, transient: false };
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
    const once = !updatesExisting(policy);
    if (!context.known || once || skip) {
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
    if (existing && (once || skip)) {
      return { state: "applied", live: existing, wrote: readopted, created: false };
    }
    const options = applyOptions(policy, context.dryRun ?? false);
    if (seedsIgnoredFields(policy, creating, options.dryRun)) {
      await client.apply(desired, options);
      await client.apply(onlyPaths(desired, policy.ignoreFields) as KubeObject, {
        fieldManager: SEED_MANAGER,
      });
      const live = await client.apply(applyBody(desired, policy, false), options);
      return { state: "applied", live, wrote: true, created: true };
    }
    const live = await client.apply(applyBody(desired, policy, creating), options);
    return { state: "applied", live, wrote: true, created: creating };
  } catch (error) {
    const message = `${client.describe(refOf(desired))}: ${describeApiError(error)}`;
    return statusCode(error) === 409
      ? { state: "conflicted", message }
      : { state: "failed", message, transient: isTransient(error) };
  }
}
