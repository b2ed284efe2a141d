import { createHash } from "node:crypto";

/** Ownership markers: tenant-sync only ever modifies or deletes objects that carry MANAGED_BY. */
export const FIELD_MANAGER = "tenant-sync";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "tenant-sync";
export const LABEL_TENANT = "tenant-sync.io/tenant";
export const LABEL_TEMPLATE_SET = "tenant-sync.io/template-set";
export const LABEL_RESOURCE = "tenant-sync.io/resource";
/** ApplySet membership label (KEP-3659), so `kubectl` can see the inventory too. */
export const LABEL_APPLYSET_PART_OF = "applyset.kubernetes.io/part-of";
export const ANNOTATION_TENANT_KEY = "tenant-sync.io/tenant-key";
export const ANNOTATION_CONTENT_HASH = "tenant-sync.io/content-hash";
export const ANNOTATION_TEMPLATE_VERSION = "tenant-sync.io/template-version";
export const ANNOTATION_ORPHANED_AT = "tenant-sync.io/orphaned-at";
export const ANNOTATION_ORPHANED_REASON = "tenant-sync.io/orphaned-reason";

export const OWNERSHIP_LABELS = [
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  LABEL_TEMPLATE_SET,
  LABEL_RESOURCE,
  LABEL_APPLYSET_PART_OF,
] as const;

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Tenant keys are arbitrary text but label values are not: a key that is a valid label value is used as is,
 * anything else becomes `k-` plus a hash, and the exact key is kept in an annotation.
 */
export function tenantLabelValue(tenantKey: string): string {
  if (
    tenantKey.length > 0 &&
    tenantKey.length <= 63 &&
    LABEL_VALUE.test(tenantKey) &&
    !tenantKey.startsWith("k-")
  ) {
    return tenantKey;
  }
  return `k-${createHash("sha256").update(tenantKey).digest("hex").slice(0, 40)}`;
}

/** ApplySet id per KEP-3659: base64url(sha256(<name>.<namespace>.<kind>.<group>)) for a virtual parent. */
export function applysetId(tenantKey: string, templateSet: string): string {
  const digest = createHash("sha256")
    .update(`${tenantLabelValue(tenantKey)}-${templateSet}..TenantTemplateSet.tenant-sync.io`)
    .digest("base64url");
  return `applyset-${digest}-v1`;
}

export function ownershipLabels(
  tenantKey: string,
  templateSet: string,
  resourceId: string,
): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY_VALUE,
    [LABEL_TENANT]: tenantLabelValue(tenantKey),
    [LABEL_TEMPLATE_SET]: templateSet,
    [LABEL_RESOURCE]: resourceId,
    [LABEL_APPLYSET_PART_OF]: applysetId(tenantKey, templateSet),
  };
}

/** Label selector matching every object tenant-sync manages, optionally narrowed to one tenant. */
export function managedSelector(tenantKey?: string): string {
  const base = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
  return tenantKey === undefined ? base : `${base},${LABEL_TENANT}=${tenantLabelValue(tenantKey)}`;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** True when the live object carries our labels for exactly this tenant (and set, when given). */
export function isOwnedBy(meta: ObjectMeta | undefined, tenantKey: string, templateSet?: string): boolean {
  const labels = meta?.labels ?? {};
  return (
    labels[LABEL_MANAGED_BY] === MANAGED_BY_VALUE &&
    labels[LABEL_TENANT] === tenantLabelValue(tenantKey) &&
    (templateSet === undefined || labels[LABEL_TEMPLATE_SET] === templateSet)
  );
}

/**
 * True when tenant-sync itself let go of this object for exactly this tenant (`deletion: Retain`): it carries
 * none of our ownership labels, is marked orphaned, and its tenant-key annotation (left in place when the
 * labels were stripped) names the tenant. Another tenant's orphan, or an object without the orphan mark,
 * is not.
 */
export function isOrphanOf(meta: ObjectMeta | undefined, tenantKey: string): boolean {
  const labels = meta?.labels ?? {};
  const annotations = meta?.annotations ?? {};
  return (
    OWNERSHIP_LABELS.every((label) => labels[label] === undefined) &&
    annotations[ANNOTATION_ORPHANED_AT] !== undefined &&
    annotations[ANNOTATION_TENANT_KEY] === tenantKey
  );
}
