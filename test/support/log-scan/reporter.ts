import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Reporter, TestRunEndReason } from "vitest/node";
import { loadStackConfig } from "../../../infra/stack/config.ts";
import { kubeClusters } from "../../../infra/stack/kube-clusters.ts";
import { SECRETS_FILE } from "../secret-registry.ts";
import { captureOutput } from "./capture.mjs";
import { kubeconfigDirNeedles, type Needle, registeredNeedles } from "./needles.ts";
import { describeFinding, scanDirectory } from "./scan.ts";

const preload = path.join(path.dirname(new URL(import.meta.url).pathname), "preload.mjs");

/**
 * The secret scan of a test run. At the start it makes every Node.js process of the run (this one, the
 * workers, and every child they start: CLI, demo, runner, osls) tee its output into .stack/test-logs/; at the
 * end it scans every captured line, the console output of the tests, the status rows the tests left and what
 * the stack's services (API servers, etcd, databases, emulators) logged during the run, for
 * kubeconfig credentials of every local cluster, the database password and every secret a test registered. A finding
 * names the kind of secret and the file and line (never the value) and makes `vitest run` exit non-zero.
 */
export default class SecretScanReporter implements Reporter {
  private readonly root = loadStackConfig().root;
  private readonly dir = path.join(loadStackConfig().stateDir, "test-logs");
  // Where each service log of the stack (API servers, etcd, databases, emulators) ended before this run.
  private serviceLogStarts = new Map<string, number>();

  onInit(): void {
    this.serviceLogStarts = serviceLogSizes(loadStackConfig().logDir);
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    process.env.TENANT_SYNC_TEST_LOG_DIR = this.dir;
    const flag = `--import=${pathToFileURL(preload).href}`;
    if (!process.env.NODE_OPTIONS?.includes(flag)) {
      process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, flag].filter(Boolean).join(" ");
    }
    captureOutput(this.dir);
  }

  onUserConsoleLog(log: { content: string }): void {
    fs.appendFileSync(path.join(this.dir, "console.log"), log.content, { mode: 0o600 });
  }

  onTestRunEnd(_modules: unknown, _errors: unknown, reason: TestRunEndReason): void {
    if (reason === "interrupted") return;
    const config = loadStackConfig();
    copyServiceLogs(config.logDir, this.serviceLogStarts, path.join(this.dir, "services"));
    const needles: Needle[] = [
      ...kubeClusters(config).flatMap((cluster) => kubeconfigDirNeedles(cluster.dir)),
      { kind: "database password", value: config.database.password, word: true },
      ...registeredNeedles(path.join(this.dir, SECRETS_FILE)),
    ];
    const { findings, files, lines } = scanDirectory(this.dir, needles, [SECRETS_FILE]);
    for (const finding of findings) process.stderr.write(`${describeFinding(finding, this.root)}\n`);
    process.stderr.write(
      `secret scan: ${findings.length === 0 ? "no secret" : `${findings.length} secrets`} in ${lines} lines of ` +
        `${files} files (${path.relative(this.root, this.dir)}), ${needles.length} secret values checked\n`,
    );
    if (findings.length > 0) process.exitCode = 1;
  }
}

function serviceLogSizes(logDir: string): Map<string, number> {
  if (!fs.existsSync(logDir)) return new Map();
  return new Map(fs.readdirSync(logDir).map((name) => [name, fs.statSync(path.join(logDir, name)).size]));
}

/** Copies what each service log gained since `starts` (a log started during the run, whole) into `to`. */
function copyServiceLogs(logDir: string, starts: ReadonlyMap<string, number>, to: string): void {
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const [name, size] of serviceLogSizes(logDir)) {
    const start = (starts.get(name) ?? 0) <= size ? (starts.get(name) ?? 0) : 0;
    if (size === start) continue;
    const fd = fs.openSync(path.join(logDir, name), "r");
    try {
      const buffer = Buffer.alloc(size - start);
      fs.readSync(fd, buffer, 0, buffer.length, start);
      fs.writeFileSync(path.join(to, name), buffer, { mode: 0o600 });
    } finally {
      fs.closeSync(fd);
    }
  }
}
