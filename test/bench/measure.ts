import type { RequestCounts } from "../../lib/kube/cluster-client.ts";

export type { Figure } from "./report-model.ts";

export const seconds = (start: number) => (performance.now() - start) / 1000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function requestsDelta(before: RequestCounts, after: RequestCounts): { total: number; text: string } {
  const verbs = Object.keys(after) as (keyof RequestCounts)[];
  const delta = Object.fromEntries(verbs.map((verb) => [verb, after[verb] - before[verb]])) as RequestCounts;
  const total = verbs.reduce((sum, verb) => sum + delta[verb], 0);
  const text = verbs
    .filter((verb) => delta[verb] > 0)
    .map((verb) => `${verb} ${delta[verb]}`)
    .join(", ");
  return { total, text: text || "none" };
}
