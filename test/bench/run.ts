import "./quiet.ts";
import { openDatabase } from "../../lib/db/database.ts";
import { stack } from "../support/stack.ts";
import { functionMemory } from "./function-memory.ts";
import { machineFacts } from "./machine.ts";
import { parseBenchOptions } from "./options.ts";
import { pipelineLatency } from "./pipeline-latency.ts";
import { provisioning } from "./provisioning.ts";
import { type BenchReport, withRatios } from "./report-model.ts";
import { writeReport } from "./report-write.ts";
import { slowReadiness } from "./slow-readiness.ts";
import { sweepBench } from "./sweep.ts";

// `npm run bench`: every figure measured in this one run on the one local API server; printed and written
// to --out (bench.json, report.txt, report.md, SVG charts), never asserted.
const options = parseBenchOptions(process.argv.slice(2));
const info = stack();
const db = openDatabase(info.postgresUrl, { poolSize: 1 });
const report: BenchReport = {
  machine: await machineFacts(db),
  options: { ...options },
  provisioning: [],
  slowReadiness: null,
  latency: null,
  memory: [],
  sections: {},
};
await db.close();

const wanted = (name: string) => !options.only || name.includes(options.only);
const started = performance.now();
// Order: the cluster is emptied after provisioning and memory; the sweep, whose fleet is the largest and
// whose clean-up is not waited for, comes last.
if (wanted("provisioning")) {
  console.log(`\n# bulk provisioning: ${options.sizes.join(", ")} tenants`);
  const result = await provisioning(options);
  report.provisioning = withRatios(result.runs);
  report.sections["bulk provisioning"] = result.figures;
}
// Slow readiness resets nothing: its tenants are its own, so it runs on a stack others share too.
if (wanted("slow-readiness")) {
  const {
    slowTenants,
    slowReadySeconds: [low, high],
  } = options;
  console.log(`\n# provisioning with slow readiness: ${slowTenants} tenants ready after ${low}-${high} s`);
  const result = await slowReadiness({
    tenants: slowTenants,
    readySeconds: options.slowReadySeconds,
    relayScheduleSeconds: options.relayScheduleSeconds,
    timeLimitMinutes: options.slowTimeLimitMinutes,
  });
  report.slowReadiness = result.run;
  report.sections[`provisioning with slow readiness (${slowTenants} tenants)`] = result.figures;
}
if (wanted("latency")) {
  console.log(`\n# commit → Ready: ${options.latencyInserts} single inserts`);
  const result = await pipelineLatency(options.latencyInserts);
  report.latency = result.latency;
  report.sections["commit → Ready latency"] = result.figures;
}
if (wanted("memory")) {
  console.log(`\n# peak RSS of each function: ${options.memoryTenants} tenants`);
  const result = await functionMemory(options.memoryTenants, options.memorySyncTenants);
  report.memory.push(...result.runs);
  report.sections["peak RSS of each function"] = result.figures;
}
if (wanted("sweep")) {
  console.log(`\n# sweep: ${options.sweepTenants} tenants`);
  const result = await sweepBench(options.sweepTenants);
  report.memory.push(result.memory);
  report.sections[`sweep of ${options.sweepTenants} tenants`] = result.figures;
}
report.sections["this run"] = [
  { name: "wall time of the whole run", value: (performance.now() - started) / 60_000, unit: "min" },
];

console.log(`\n${await writeReport(report, options.out)}`);
console.log(`report: ${options.out}/{bench.json,report.txt,report.md,*.svg}`);
process.exit(0);
