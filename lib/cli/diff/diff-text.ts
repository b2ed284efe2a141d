import { describeRef } from "../../kube/object-ref.ts";
import { formatFieldChange } from "./field-diff.ts";
import type { DiffStatus, ObjectDiff } from "./object-diff.ts";
import type { DiffSummary } from "./summary.ts";
import type { TenantDiff } from "./tenant-diff.ts";

const MARK: Record<DiffStatus, string> = { create: "+", change: "~", unchanged: "=", prune: "-", error: "!" };

function objectLines(object: ObjectDiff): string[] {
  const owner = object.resourceId ? `${object.templateSet}/${object.resourceId}` : object.templateSet;
  if (object.status === "error") return [`  ! ${owner}: ${object.reason}: ${object.message}`];
  const what =
    object.apiVersion && object.kind && object.name
      ? describeRef({
          apiVersion: object.apiVersion,
          kind: object.kind,
          namespace: object.namespace ?? undefined,
          name: object.name,
        })
      : "(unnamed)";
  const notes = [
    object.status,
    object.deletionPolicy === "Retain" ? "deletion: Retain" : undefined,
    object.message,
  ]
    .filter(Boolean)
    .join("; ");
  return [
    `  ${MARK[object.status]} ${what}  [${owner}] ${notes}`,
    ...object.changes.map((change) => `      ${formatFieldChange(change)}`),
  ];
}

/** One tenant, for a person: a line per object that differs (all with `unchanged`), field changes below. */
export function tenantDiffText(diff: TenantDiff, showUnchanged: boolean): string[] {
  const where = diff.cluster ? ` on cluster ${diff.cluster}` : "";
  const action =
    diff.action === "apply" ? "" : ` (${diff.action === "teardown" ? "teardown" : "row unreadable"})`;
  const lines = [`tenant ${diff.tenant}${where}${action}`];
  if (diff.error) lines.push(`  ! ${diff.error.reason}: ${diff.error.message}`);
  const shown = diff.objects.filter((object) => showUnchanged || object.status !== "unchanged");
  for (const object of shown) lines.push(...objectLines(object));
  if (shown.length === 0 && !diff.error) lines.push("  no differences");
  return lines;
}

export function summaryText(summary: DiffSummary): string {
  return (
    `${summary.tenants} tenant(s), ${summary.tenantsWithDifferences} with differences, ` +
    `${summary.tenantsWithErrors} with errors: ${summary.create} to create, ${summary.change} to change, ` +
    `${summary.prune} to prune, ${summary.unchanged} unchanged, ${summary.error} error(s)`
  );
}
