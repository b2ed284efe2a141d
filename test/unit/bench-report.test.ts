import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { charts } from "../bench/report-charts.ts";
import { type BenchReport, withRatios } from "../bench/report-model.ts";
import { markdownReport, textReport } from "../bench/report-tables.ts";
import { writeReport } from "../bench/report-write.ts";

// The benchmark report's format, from a fixture: the figures are never asserted, their presentation is.
const fixture = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, "fixtures", "bench-report.json"), "utf8"),
) as BenchReport;

describe("benchmark report", () => {
  it("computes each method's fraction of the bare loop at the same size", () => {
    const runs = withRatios(fixture.provisioning.map((run) => ({ ...run, ofBare: null })));
    expect(runs.map((r) => r.ofBare)).toEqual([1, 0.4, 0.5, 0.2]);
  });

  it("prints the machine, every method with its ratio, the latency percentiles and peak RSS", () => {
    const text = textReport(fixture);
    expect(text).toContain("Test CPU @ 2.00GHz, 2 cores, 24 GiB RAM");
    expect(text).toMatch(/provisioning 1,000 tenants: whole pipeline\s+12\.5\s+tenants\/s\s+0\.50×/);
    expect(text).toMatch(/provisioning 1,000 tenants: bare SSA loop\s+25\.0\s+tenants\/s\s+1 \(limit\)/);
    expect(text).toMatch(/commit → Ready p99\s+640\s+ms/);
    expect(text).toMatch(/peak RSS: sweep\s+1,029\s+MiB/);
    expect(text).toContain("## sweep of 10000 tenants");
  });

  it("writes a markdown table with escaped cells, the sections and the charts", () => {
    const markdown = markdownReport(fixture, ["throughput.svg", "latency.svg"]);
    const header = markdown.split("\n").find((line) => line.startsWith("| figure | value"));
    expect(header).toBe("| figure | value | unit | vs bare SSA loop | how |");
    expect(markdown).toContain("4 at a time \\| piped");
    expect(markdown).toContain(
      "| provisioning 1,000 tenants: kubectl per tenant | 5.0 | tenants/s | 0.20× |",
    );
    expect(markdown).toContain("![throughput](throughput.svg)");
    expect(markdown).toContain("### sweep of 10000 tenants");
  });

  it("draws both charts as SVG with their titles, axes and every method", async () => {
    const svgs = await charts(fixture);
    expect(Object.keys(svgs).sort()).toEqual(["latency.svg", "throughput.svg"]);
    const throughput = svgs["throughput.svg"] as string;
    expect(throughput.startsWith("<svg")).toBe(true);
    expect(throughput).toContain("Bulk provisioning throughput against the bare SSA loop");
    expect(throughput).toContain("tenants provisioned per second");
    for (const method of ["bare SSA loop", "engine alone", "whole pipeline", "kubectl per tenant", "50 %"]) {
      expect(throughput).toContain(method);
    }
    const latency = svgs["latency.svg"] as string;
    expect(latency).toContain("Commit → Ready latency");
    expect(latency).toContain("commit → Ready (ms)");
    expect(latency).toContain("p99");
  });

  it("omits the charts a partial run has no data for", async () => {
    const svgs = await charts({ ...fixture, provisioning: [], latency: null });
    expect(svgs).toEqual({});
  });

  it("writes bench.json, report.txt, report.md and the SVGs into one folder", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-report-"));
    try {
      await writeReport(fixture, dir);
      expect(fs.readdirSync(dir).sort()).toEqual([
        "bench.json",
        "latency.svg",
        "report.md",
        "report.txt",
        "throughput.svg",
      ]);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "bench.json"), "utf8"))).toEqual(fixture);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
