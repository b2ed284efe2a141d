import type { Prng } from "./prng.ts";

export type FaultKind =
  | "apiServerRestart"
  | "databaseRestart"
  | "workerKilledMidTenant"
  | "relayDiesBetweenSendAndMark"
  | "duplicateOutOfOrderDelivery"
  | "workloadNeverReady";

export const FAULT_KINDS: readonly FaultKind[] = [
  "apiServerRestart",
  "databaseRestart",
  "workerKilledMidTenant",
  "relayDiesBetweenSendAndMark",
  "duplicateOutOfOrderDelivery",
  "workloadNeverReady",
];

export interface PlannedFault {
  /** Injected right after this op index. */
  atOp: number;
  kind: FaultKind;
  /** How long a stopped server stays down or a workload stays never-ready, or how many stale messages are sent. */
  amount: number;
}

/**
 * Where each fault goes in the op stream: every kind once per 400 ops (at least once), duplicate deliveries
 * three times as often, all between 5 % and 85 % of the stream so ops keep coming while servers are down
 * and after they are back.
 */
export function planFaults(prng: Prng, ops: number): PlannedFault[] {
  const rounds = Math.max(1, Math.round(ops / 400));
  const plan: PlannedFault[] = [];
  const at = () => prng.int(Math.floor(ops * 0.05), Math.floor(ops * 0.85));
  for (let round = 0; round < rounds; round++) {
    plan.push({ atOp: at(), kind: "apiServerRestart", amount: prng.int(2000, 5000) });
    plan.push({ atOp: at(), kind: "databaseRestart", amount: prng.int(1000, 3000) });
    plan.push({ atOp: at(), kind: "workerKilledMidTenant", amount: 0 });
    plan.push({ atOp: at(), kind: "relayDiesBetweenSendAndMark", amount: 0 });
    plan.push({ atOp: at(), kind: "workloadNeverReady", amount: prng.int(10_000, 30_000) });
    for (let i = 0; i < 3; i++) {
      plan.push({ atOp: at(), kind: "duplicateOutOfOrderDelivery", amount: prng.int(10, 40) });
    }
  }
  return plan.sort((a, b) => a.atOp - b.atOp);
}
