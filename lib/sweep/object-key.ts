import { createHash } from "node:crypto";
import { groupOf } from "../kube/object-ref.ts";

// Objects are the same object whichever version of their group names them.
export { groupOf };

/** Where one object is: cluster, apiVersion, kind, namespace (undefined if cluster-scoped), name. */
type ObjectPlace = [
  cluster: string,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
];

/** One object in one cluster, as a map key: cluster, group, kind, namespace ("" if cluster-scoped), name. */
export function objectKey(...[cluster, apiVersion, kind, namespace, name]: ObjectPlace): string {
  return `${cluster}\u0000${groupOf(apiVersion)}\u0000${kind}\u0000${namespace ?? ""}\u0000${name}`;
}

/** `apps/v1 Deployment acme/web on cluster c`, for plans and logs. */
export function describeObject(...[cluster, apiVersion, kind, namespace, name]: ObjectPlace): string {
  return `${apiVersion} ${kind} ${namespace ? `${namespace}/` : ""}${name} on cluster ${cluster}`;
}

/** A kind to list, per cluster: keyed by group and kind, so two versions of one kind are listed once. */
export const kindKey = (apiVersion: string, kind: string) => `${groupOf(apiVersion)}\u0000${kind}`;

/**
 * Which deep-check slice a tenant falls in: a stable hash of its key, so every tenant is checked exactly
 * once per `period` runs however the fleet grows or shrinks in between.
 */
export function deepSliceOf(tenantKey: string, period: number): number {
  return createHash("sha256").update(tenantKey).digest().readUInt32BE(0) % period;
}
