import fs from "node:fs";

/**
 * This process's peak RSS in bytes: VmHWM of /proc/self/status. Not getrusage's maxRSS, which Linux carries
 * over from the parent at fork and keeps across exec, so a child of a large benchmark process would report
 * at least the parent's size.
 */
export function peakRss(): number {
  const line = fs
    .readFileSync("/proc/self/status", "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  const kib = Number(line?.match(/(\d+)\s*kB/)?.[1]);
  if (!Number.isFinite(kib)) throw new Error("/proc/self/status has no VmHWM line (not Linux?)");
  return kib * 1024;
}
