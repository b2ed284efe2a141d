import { type BenchReport, type Figure, num, type ProvisioningRun } from "./report-model.ts";
import { type Row, slowReadinessRows } from "./report-slow-readiness.ts";

const vsBare = (run: ProvisioningRun) =>
  run.method === "bare SSA loop" || run.ofBare === null ? "1 (limit)" : `${num(run.ofBare, 2)}×`;

function headlineRows(report: BenchReport): Row[] {
  const rows: Row[] = [];
  for (const run of report.provisioning) {
    rows.push([
      `provisioning ${run.tenants.toLocaleString("en-US")} tenants: ${run.method}`,
      num(run.tenantsPerSecond),
      "tenants/s",
      vsBare(run),
      `${num(run.seconds)} s for ${run.objects.toLocaleString("en-US")} objects; ${run.note}`,
    ]);
  }
  if (report.slowReadiness) rows.push(...slowReadinessRows(report.slowReadiness));
  if (report.latency) {
    const n = report.latency.samplesMs.length;
    rows.push([
      "commit → Ready p50",
      num(report.latency.p50, 0),
      "ms",
      "",
      `${n} single inserts (aim: 500 ms)`,
    ]);
    rows.push([
      "commit → Ready p99",
      num(report.latency.p99, 0),
      "ms",
      "",
      `max ${num(report.latency.max, 0)} ms (aim: 2,000 ms)`,
    ]);
  }
  for (const run of report.memory) {
    rows.push([`peak RSS: ${run.fn}`, num(run.maxRssMiB, 0), "MiB", "", run.workload]);
  }
  return rows;
}

const HEADER: Row = ["figure", "value", "unit", "vs bare SSA loop", "how"];

export function machineLine(report: BenchReport): string {
  const m = report.machine;
  return `${m.cpu}, ${m.cores} cores, ${num(m.memoryGiB, 0)} GiB RAM, ${m.os}; Node.js ${m.node}, Kubernetes ${m.kubernetes}, ${m.postgres}; ${m.date}`;
}

function figureRows(figures: readonly Figure[]): Row[] {
  return figures.map((f) => [
    f.name,
    Number.isInteger(f.value) ? f.value.toLocaleString("en-US") : num(f.value, 2),
    f.unit,
    "",
    f.note ?? "",
  ]);
}

/** The printed report: the headline table, then every benchmark's figures. */
export function textReport(report: BenchReport): string {
  const out = [`machine: ${machineLine(report)}`, "", textTable([HEADER, ...headlineRows(report)])];
  for (const [title, figures] of Object.entries(report.sections)) {
    if (figures.length === 0) continue;
    out.push("", `## ${title}`, textTable(figureRows(figures)));
  }
  return `${out.join("\n")}\n`;
}

function textTable(rows: readonly Row[]): string {
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      [
        r[0].padEnd(widths[0] ?? 0),
        r[1].padStart(widths[1] ?? 0),
        r[2].padEnd(widths[2] ?? 0),
        r[3].padEnd(widths[3] ?? 0),
        r[4],
      ]
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const cell = (text: string) => text.replaceAll("|", "\\|");

function markdownTable(rows: readonly Row[], columns: readonly number[]): string {
  const pick = (r: Row) => columns.map((i) => cell(r[i] ?? ""));
  const [head, ...body] = rows;
  if (!head) return "";
  const align = columns.map((i) => (i === 1 ? "---:" : "---"));
  return [pick(head), align, ...body.map(pick)].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** report.md: what docs/performance.md embeds (the machine, the headline table, the details, the charts). */
export function markdownReport(report: BenchReport, chartFiles: readonly string[]): string {
  const out = [
    `Machine: ${machineLine(report)}.`,
    "",
    markdownTable([HEADER, ...headlineRows(report)], [0, 1, 2, 3, 4]),
    "",
    ...chartFiles.map((file) => `![${file.replace(/\.svg$/, "")}](${file})`),
  ];
  for (const [title, figures] of Object.entries(report.sections)) {
    if (figures.length === 0) continue;
    out.push(
      "",
      `### ${title}`,
      "",
      markdownTable([["figure", "value", "unit", "", "note"], ...figureRows(figures)], [0, 1, 2, 4]),
    );
  }
  return `${out.join("\n")}\n`;
}
