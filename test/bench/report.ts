import type { RequestCounts } from "../../lib/kube/cluster-client.ts";

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export const seconds = (start: number) => (performance.now() - start) / 1000;

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

export function printFigures(title: string, figures: readonly Figure[]): void {
  console.log(`\n## ${title}`);
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const figure of figures) {
    const value = Number.isInteger(figure.value) ? String(figure.value) : figure.value.toFixed(2);
    console.log(
      `${figure.name.padEnd(width)}  ${value.padStart(10)} ${figure.unit.padEnd(13)} ${figure.note ?? ""}`,
    );
  }
}
