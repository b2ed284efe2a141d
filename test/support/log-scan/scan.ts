import fs from "node:fs";
import path from "node:path";
import { type Needle, PATTERNS } from "./needles.ts";

/** Where a secret was seen: the kind, never the value. */
export interface Finding {
  kind: string;
  file: string;
  line: number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Matcher = { kind: string; test: (line: string) => boolean };

function matchers(needles: readonly Needle[]): Matcher[] {
  const unique = new Map<string, Needle>();
  for (const needle of needles)
    if (needle.value.length > 0) unique.set(`${needle.kind}\0${needle.value}`, needle);
  return [
    ...[...unique.values()].map((needle): Matcher => {
      if (!needle.word) return { kind: needle.kind, test: (line) => line.includes(needle.value) };
      // A password like "tenant-sync-local" must not match the CA's name "tenant-sync-local-ca".
      const pattern = new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(needle.value)}(?![A-Za-z0-9_-])`);
      return { kind: needle.kind, test: (line) => line.includes(needle.value) && pattern.test(line) };
    }),
    ...PATTERNS.map(({ kind, pattern }): Matcher => ({ kind, test: (line) => pattern.test(line) })),
  ];
}

/** Scans every line of every file (recursively) under `dir`, except `skip`, for the needles and PATTERNS. */
export function scanDirectory(
  dir: string,
  needles: readonly Needle[],
  skip: readonly string[] = [],
): { findings: Finding[]; files: number; lines: number } {
  const all = matchers(needles);
  const findings: Finding[] = [];
  let files = 0;
  let lines = 0;
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && !skip.includes(entry.name)) {
        files++;
        const text = fs.readFileSync(full, "utf8").split(/\r?\n/);
        text.forEach((line, index) => {
          lines++;
          const seen = new Set<string>();
          for (const matcher of all) {
            if (!seen.has(matcher.kind) && matcher.test(line)) {
              seen.add(matcher.kind);
              findings.push({ kind: matcher.kind, file: full, line: index + 1 });
            }
          }
        });
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return { findings, files, lines };
}

export const describeFinding = (finding: Finding, root: string) =>
  `secret scan: ${finding.kind} in ${path.relative(root, finding.file)}:${finding.line}`;
