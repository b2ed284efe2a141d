import fs from "node:fs";
import path from "node:path";
import { engineThroughput } from "./engine-throughput.ts";
import { pipelineLatency } from "./pipeline-latency.ts";
import { type Figure, printFigures } from "./report.ts";
import { sweepBench } from "./sweep.ts";

// `npm run bench`: figures are printed and written to .stack/bench.json, never asserted.
process.env.TENANT_SYNC_LOG_LEVEL ??= "WARN";
const report: Record<string, Figure[]> = {};
const benches: [string, () => Promise<Figure[]>][] = [
  ["engine throughput (issue 3)", engineThroughput],
  ["pipeline latency (issue 4)", pipelineLatency],
  ["sweep (issue 5)", sweepBench],
];
const only = process.argv[2];
for (const [title, bench] of benches) {
  if (only && !title.includes(only)) continue;
  report[title] = await bench();
  printFigures(title, report[title]);
}
console.log(`\npeak RSS of the benchmark process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
const out = path.join(process.cwd(), ".stack", "bench.json");
fs.writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), report }, null, 2)}\n`);
console.log(`report: ${out}`);
process.exit(0);
