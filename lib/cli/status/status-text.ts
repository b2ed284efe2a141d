import { PHASES } from "../../db/status-store.ts";
import { formatTable } from "../table.ts";
import { formatAge } from "./age.ts";
import type { FleetStatusView, SetStatusView, TenantStatusView } from "./status-view.ts";

function version(set: SetStatusView): string {
  const recorded = set.templateVersion ?? "-";
  if (set.currentTemplateVersion === null || set.currentTemplateVersion === set.templateVersion)
    return recorded;
  return `${recorded} (templates now ${set.currentTemplateVersion})`;
}

/** One tenant: a row per template set, then each set's message. */
export function tenantStatusText(view: TenantStatusView, now: Date): string[] {
  if (view.sets.length === 0) {
    return [`tenant ${view.tenant}: no status yet (the tenant has not been reconciled)`];
  }
  const lines = [
    `tenant ${view.tenant}: ${view.ready ? "Ready" : "NOT Ready"}`,
    ...formatTable(
      ["SET", "PHASE", "READY", "FAILED", "SKIPPED", "CLUSTER", "UPDATED", "PHASE SINCE", "TEMPLATE VERSION"],
      view.sets.map((set) => [
        set.templateSet,
        set.phase,
        `${set.ready}/${set.desired}`,
        String(set.failed),
        String(set.skipped),
        set.cluster ?? "-",
        formatAge(set.updatedAt, now),
        formatAge(set.lastTransitionAt, now),
        version(set),
      ]),
    ).map((line) => `  ${line}`),
  ];
  for (const set of view.sets) if (set.message) lines.push(`  ${set.templateSet}: ${set.message}`);
  return lines;
}

/** The fleet: tenants, rows per phase, the latest failures. */
export function fleetStatusText(view: FleetStatusView, now: Date): string[] {
  const phases = PHASES.filter((phase) => view.phases[phase] > 0)
    .map((phase) => `${phase} ${view.phases[phase]}`)
    .join(", ");
  const lines = [
    `tenants: ${view.tenants} (${view.tenantsNotReady} not Ready)`,
    `template sets by phase: ${phases || "none"}`,
  ];
  if (view.recentFailures.length === 0) return [...lines, "no failures"];
  lines.push(`latest failures, newest first:`);
  for (const failure of view.recentFailures) {
    lines.push(
      `  ${failure.tenantKey} / ${failure.templateSet}: ${failure.phase} ${formatAge(failure.updatedAt, now)}` +
        `${failure.message ? ` - ${failure.message}` : ""}`,
    );
  }
  return lines;
}
