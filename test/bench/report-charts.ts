import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { type BenchReport, METHODS } from "./report-model.ts";

const FONT = { font: "Helvetica, Arial, sans-serif", labelFontSize: 12, titleFontSize: 13 };

/** Renders a Vega-Lite spec to SVG in Node: no browser, no canvas (renderer "none" lays out headlessly). */
async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return `${svg}\n`;
}

/** Histogram of commit → Ready latencies with the p50 and p99 marked. */
export function latencySpec(report: BenchReport): TopLevelSpec | null {
  const latency = report.latency;
  if (!latency || latency.samplesMs.length === 0) return null;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Commit → Ready latency through the whole pipeline",
      subtitle: `${latency.samplesMs.length} single inserts, one at a time; p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms`,
    },
    width: 560,
    height: 260,
    config: { axis: FONT, title: { font: FONT.font } },
    layer: [
      {
        data: { values: latency.samplesMs.map((ms) => ({ ms })) },
        mark: { type: "bar", color: "#4c78a8" },
        encoding: {
          x: { field: "ms", type: "quantitative", bin: { maxbins: 40 }, title: "commit → Ready (ms)" },
          y: { aggregate: "count", type: "quantitative", title: "inserts" },
        },
      },
      {
        data: {
          values: [
            { label: "p50", ms: latency.p50 },
            { label: "p99", ms: latency.p99 },
          ],
        },
        layer: [
          {
            mark: { type: "rule", color: "#e45756", strokeDash: [4, 3] },
            encoding: { x: { field: "ms", type: "quantitative" } },
          },
          {
            mark: { type: "text", align: "left", dx: 4, dy: -4, baseline: "bottom", color: "#e45756", y: 0 },
            encoding: { x: { field: "ms", type: "quantitative" }, text: { field: "label" } },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

/** Tenants/s of each method at each size, bars labelled with their fraction of the bare SSA loop. */
export function throughputSpec(report: BenchReport): TopLevelSpec | null {
  if (report.provisioning.length === 0) return null;
  const values = report.provisioning.map((run) => ({
    size: `${run.tenants.toLocaleString("en-US")} tenants`,
    method: run.method,
    rate: run.tenantsPerSecond,
    label: run.method === "bare SSA loop" ? "limit" : `${((run.ofBare ?? 0) * 100).toFixed(0)} %`,
  }));
  const x = { field: "size", type: "nominal", title: null, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: "method", type: "nominal", sort: [...METHODS] } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Bulk provisioning throughput against the bare SSA loop",
      subtitle: "same objects, same API server, same run; labels: % of the bare loop's tenants/s",
    },
    width: 560,
    height: 300,
    config: { axis: FONT, legend: { labelFontSize: 12, titleFontSize: 12 }, title: { font: FONT.font } },
    data: { values },
    encoding: { x, xOffset },
    layer: [
      {
        mark: "bar",
        encoding: {
          y: { field: "rate", type: "quantitative", title: "tenants provisioned per second" },
          color: { field: "method", type: "nominal", sort: [...METHODS], title: "method" },
        },
      },
      {
        mark: { type: "text", baseline: "bottom", dy: -2, fontSize: 11 },
        encoding: { y: { field: "rate", type: "quantitative" }, text: { field: "label" } },
      },
    ],
  } as TopLevelSpec;
}

/** The charts of a report, by file name. */
export async function charts(report: BenchReport): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const throughput = throughputSpec(report);
  if (throughput) out["throughput.svg"] = await toSvg(throughput);
  const latency = latencySpec(report);
  if (latency) out["latency.svg"] = await toSvg(latency);
  return out;
}
