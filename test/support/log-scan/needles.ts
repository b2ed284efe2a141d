import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/** One secret value to look for; `word`: only as a whole token (short, word-like secrets such as passwords). */
export interface Needle {
  kind: string;
  value: string;
  word?: boolean;
}

/** Shapes that are secret whatever their value: they fail the scan even when no needle names them. */
export const PATTERNS: readonly { kind: string; pattern: RegExp }[] = [
  { kind: "PEM private key", pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
  { kind: "bearer token (JWT)", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { kind: "bearer token (Authorization header)", pattern: /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/i },
];

// PEM body lines are 64 characters; shorter final lines still identify a key when they are this long.
const MIN_PEM_LINE = 24;

function pemBodyLines(pem: string): string[] {
  return pem
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= MIN_PEM_LINE && !line.startsWith("-----"));
}

const KUBECONFIG_FIELDS = [
  ["clusters", "cluster", "certificate-authority-data"],
  ["users", "user", "client-certificate-data"],
  ["users", "user", "client-key-data"],
  ["users", "user", "token"],
] as const;

/**
 * Every credential in a kubeconfig: the base64 fields as stored, the PEM body lines they decode to (what a
 * stack trace or an error quoting a file would show), and bearer tokens.
 */
export function kubeconfigNeedles(text: string, source: string): Needle[] {
  const config = parse(text) as Record<string, { [key: string]: Record<string, unknown> }[] | undefined>;
  const needles: Needle[] = [];
  for (const [list, inner, field] of KUBECONFIG_FIELDS) {
    for (const entry of config[list] ?? []) {
      const value = entry[inner]?.[field];
      if (typeof value !== "string" || value === "") continue;
      const kind = `kubeconfig ${field} of ${source}`;
      needles.push({ kind, value });
      if (field === "token") continue;
      for (const line of pemBodyLines(Buffer.from(value, "base64").toString("utf8"))) {
        needles.push({ kind: `${kind} (PEM body)`, value: line });
      }
    }
  }
  return needles;
}

/** Needles from every kubeconfig file in `dir` (the stack's admin and tenant-sync kubeconfigs). */
export function kubeconfigDirNeedles(dir: string): Needle[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".kubeconfig"))
    .flatMap((file) =>
      kubeconfigNeedles(fs.readFileSync(path.join(dir, file), "utf8"), path.join(path.basename(dir), file)),
    );
}

/** Needles the tests registered (registerSecret): one JSON object per line. */
export function registeredNeedles(file: string): Needle[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line, index) => {
      const { kind, value } = JSON.parse(line) as { kind?: unknown; value?: unknown };
      if (typeof kind !== "string" || typeof value !== "string") {
        throw new Error(`${file}:${index + 1}: expected {"kind": string, "value": string}`);
      }
      return kind === "kubeconfig"
        ? kubeconfigNeedles(value, "a kubeconfig a test stored")
        : [{ kind, value, word: true }];
    });
}
