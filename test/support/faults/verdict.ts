import { FAULT_KINDS } from "./fault-plan.ts";
import type { FaultSuiteReport } from "./suite.ts";

/** What the run must show; each entry is one reason it failed (none: it passed). */
export function verdict(report: FaultSuiteReport): string[] {
  const problems: string[] = [];
  for (const kind of FAULT_KINDS) {
    if (report.faults[kind] === 0) problems.push(`fault ${kind} was never injected`);
  }
  if (report.crashes.relay + report.crashes.worker > 0) {
    problems.push(
      `function processes crashed (relay ${report.crashes.relay}, worker ${report.crashes.worker}): see their logs`,
    );
  }
  if (report.final.mismatches > 0) {
    problems.push(
      `after the pipeline and one sweep the cluster differs from the database: ${JSON.stringify(report.final.byKind)}`,
    );
  }
  if (report.beforeSweep.lostOutsideDeadLetters.length > 0) {
    problems.push(
      `the pipeline alone left tenants wrong whose messages were not dead-lettered (lost changes): ${JSON.stringify(report.beforeSweep.lostOutsideDeadLetters.slice(0, 5))}`,
    );
  }
  return problems;
}
