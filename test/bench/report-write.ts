import fs from "node:fs";
import path from "node:path";
import { charts } from "./report-charts.ts";
import type { BenchReport } from "./report-model.ts";
import { markdownReport, textReport } from "./report-tables.ts";

/** Writes bench.json, report.txt, report.md and the SVG charts into `dir`; returns the printed table. */
export async function writeReport(report: BenchReport, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const svgs = await charts(report);
  for (const [file, svg] of Object.entries(svgs)) fs.writeFileSync(path.join(dir, file), svg);
  const text = textReport(report);
  fs.writeFileSync(path.join(dir, "bench.json"), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "report.txt"), text);
  fs.writeFileSync(path.join(dir, "report.md"), markdownReport(report, Object.keys(svgs)));
  return text;
}
