/**
 * Runs sweeps in a process of its own, as one Lambda container would, and prints one JSON line per run
 * with the process's memory: `rssPeak` is the highest process.memoryUsage().rss sampled every 20 ms during
 * that run; `maxRss` is the kernel's high-water mark for the whole process so far (VmHWM; see peak-rss.ts). The runs are
 * given as JSON in argv[2] (an array of sweep options); the environment is the functions' (TENANT_SYNC_*).
 */
import { loadRuntimeConfig } from "../../lib/config.ts";
import { createLog } from "../../lib/log.ts";
import { createRuntime } from "../../lib/runtime/runtime.ts";
import { sweeperFor } from "../../lib/sweep/from-runtime.ts";
import type { SweepOptions } from "../../lib/sweep/options.ts";
import { peakRss } from "./peak-rss.ts";

const runs = JSON.parse(process.argv[2] ?? "[]") as Partial<SweepOptions>[];
const runtime = await createRuntime(loadRuntimeConfig(), createLog("tenant-sync-sweep-bench"));
const sweeper = sweeperFor(runtime);
const baseline = process.memoryUsage().rss;
for (const options of runs) {
  let rssPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 20);
  const result = await sweeper.run(options);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const { plan: _plan, ...summary } = result;
  console.log(
    JSON.stringify({
      ...summary,
      baselineRss: baseline,
      rssPeak,
      maxRss: peakRss(),
      heapUsed: process.memoryUsage().heapUsed,
    }),
  );
}
await runtime.close();
