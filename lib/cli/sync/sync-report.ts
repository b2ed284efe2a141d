import type { TenantOutcome } from "../../engine/outcome.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { formatTable } from "../table.ts";

/** What `sync` prints with --json. */
export interface SyncReport {
  tenant: string;
  /** Reconciled by this process, or by the deployed resync function. */
  mode: "in-process" | "remote";
  /** The function invoked (remote only). */
  function: string | null;
  /** Every set Ready (or Deleted after a teardown), and the row could be read. */
  ready: boolean;
  outcome: TenantOutcome;
}

export function isReady(outcome: TenantOutcome): boolean {
  if (outcome.action === "invalid") return false;
  const settled = outcome.action === "apply" ? ["Ready"] : ["Deleted"];
  return outcome.sets.every((set) => settled.includes(set.phase));
}

/** A reconcile that found no row and nothing recorded did nothing at all: the key is probably mistyped. */
export const nothingKnown = (outcome: TenantOutcome) =>
  outcome.action === "teardown" && outcome.sets.length === 0 && outcome.pruned === 0;

export const syncExitCode = (report: SyncReport): ExitCode => (report.ready ? EXIT.ok : EXIT.notReady);

export function syncText(report: SyncReport): string[] {
  const { outcome } = report;
  const via = report.mode === "remote" ? ` by function ${report.function}` : "";
  const where = outcome.cluster ? ` on cluster ${outcome.cluster}` : "";
  const lines = [
    `tenant ${report.tenant}: ${outcome.action}${where}${via}: ${report.ready ? "Ready" : "NOT Ready"} ` +
      `(${outcome.writes} write(s), ${outcome.pruned} pruned${outcome.retryable ? ", retryable failure" : ""})`,
  ];
  if (outcome.sets.length > 0) {
    lines.push(
      ...formatTable(
        ["SET", "PHASE", "READY", "TEMPLATE VERSION", "MESSAGE"],
        outcome.sets.map((set) => [
          set.templateSet,
          set.phase,
          `${set.resources.filter((r) => r.state === "ready").length}/${set.resources.length}`,
          set.templateVersion || "-",
          set.message ?? "",
        ]),
      ).map((line) => `  ${line}`),
    );
  }
  return lines;
}
