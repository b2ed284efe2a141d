import { num, type SlowReadinessRun } from "./report-model.ts";

/** A headline row: [figure, value, unit, vs bare SSA loop, how]. */
export type Row = [string, string, string, string, string];

const totalOf = (requests: Record<string, number>) => Object.values(requests).reduce((a, b) => a + b, 0);

/**
 * What issue 14 asks of a slow world, and which of it the run did not meet: every tenant Ready, no
 * invocation killed, nothing dead-lettered, every tenant that waited past its invocation seen Progressing.
 * (A tenant that becomes Ready within its first invocation has no status row before its Ready.)
 */
export function unmetSlowReadinessGoals(run: SlowReadinessRun): string[] {
  const unmet: string[] = [];
  if (run.ready < run.tenants) unmet.push(`${run.tenants - run.ready} of ${run.tenants} tenants not Ready`);
  const killed = run.killed.timeout + run.killed.outOfMemory + run.killed.crashed;
  if (killed > 0) unmet.push(`${killed} invocations killed`);
  if (run.deadLettered > 0) unmet.push(`${run.deadLettered} messages dead-lettered`);
  if (run.recheckedUnseen > 0) {
    unmet.push(`${run.recheckedUnseen} rechecked tenants never seen Progressing`);
  }
  return unmet;
}

/** The scenario's rows of the headline table. */
export function slowReadinessRows(run: SlowReadinessRun): Row[] {
  const s = run.settings;
  const title = `slow readiness ${run.tenants.toLocaleString("en-US")} tenants`;
  const requests = totalOf(run.apiRequests);
  const verbs = Object.entries(run.apiRequests)
    .filter(([, n]) => n > 0)
    .map(([verb, n]) => `${verb} ${num(n / run.tenants, 1)}`)
    .join(", ");
  const unmet = unmetSlowReadinessGoals(run);
  return [
    [
      `${title}: first commit → all Ready`,
      num(run.seconds, 1),
      "s",
      "",
      `${run.ready} of ${run.tenants} Ready; Deployments ready after ${s.readySeconds[0]}–${s.readySeconds[1]} s (uniform); sync timeout ${s.syncTimeoutSeconds} s enforced; relay every ${s.relayScheduleSeconds} s (${s.relayScheduleFrom}); rechecks ${s.recheckSeconds[0]}–${s.recheckSeconds[1]} s; ${s.syncInstances} sync instances`,
    ],
    [
      `${title}: whole pipeline`,
      num(run.tenantsPerSecond, 2),
      "tenants/s",
      "",
      "first commit until every tenant Ready",
    ],
    [
      `${title}: rechecks per tenant`,
      num(run.rechecks / run.tenants, 2),
      "rechecks",
      "",
      `${run.rechecks} recheck outbox rows; ${run.rechecked} tenants rechecked, the others Ready within their first invocation`,
    ],
    [`${title}: API requests per tenant`, num(requests / run.tenants, 1), "requests", "", verbs || "none"],
    [
      `${title}: invocations killed`,
      String(run.killed.timeout + run.killed.outOfMemory + run.killed.crashed),
      "invocations",
      "",
      `timeout ${run.killed.timeout}, out of memory ${run.killed.outOfMemory}, crashed ${run.killed.crashed}; of ${run.syncInvocations} sync invocations`,
    ],
    [
      `${title}: dead-lettered`,
      String(run.deadLettered),
      "messages",
      "",
      "dead-letter queue depth at the end",
    ],
    [
      `${title}: seen Progressing`,
      String(run.seenProgressing),
      "tenants",
      "",
      `status rows polled every second; ${run.recheckedUnseen} rechecked tenants never seen Progressing; goals ${unmet.length === 0 ? "met" : `NOT met: ${unmet.join("; ")}`}`,
    ],
  ];
}
