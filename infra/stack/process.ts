import { type SpawnOptions, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { StackConfig } from "./config.ts";

export class StackError extends Error {
  readonly service: string;
  readonly logFile: string | undefined;
  constructor(service: string, reason: string, logFile?: string) {
    super(`${service}: ${reason}${logFile ? ` (log: ${logFile})` : ""}`);
    this.service = service;
    this.logFile = logFile;
  }
}

export const pidFile = (config: StackConfig, name: string) =>
  path.join(config.stateDir, "pids", `${name}.pid`);
export const logFile = (config: StackConfig, name: string) => path.join(config.logDir, `${name}.log`);

export function readPid(config: StackConfig, name: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(config, name), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number | undefined): pid is number {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/**
 * Our daemons outlive the command that started them, so their parent is init, which may reap them only
 * seconds after they exit; until then signal 0 still finds the pid. An exited one is state Z in /proc.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  uid?: number;
  gid?: number;
}

/** Starts a long-running process detached from this one, logging to its own file, and records its pid. */
export function startDaemon(config: StackConfig, spec: DaemonSpec): number {
  fs.mkdirSync(path.dirname(pidFile(config, spec.name)), { recursive: true });
  fs.mkdirSync(config.logDir, { recursive: true });
  const log = fs.openSync(logFile(config, spec.name), "a");
  const options: SpawnOptions = {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, ...spec.env },
    cwd: spec.cwd ?? config.root,
  };
  if (spec.uid !== undefined) options.uid = spec.uid;
  if (spec.gid !== undefined) options.gid = spec.gid;
  const child = spawn(spec.command, spec.args, options);
  fs.closeSync(log);
  if (child.pid === undefined) {
    throw new StackError(spec.name, `could not start ${spec.command}`, logFile(config, spec.name));
  }
  child.unref();
  fs.writeFileSync(pidFile(config, spec.name), `${child.pid}\n`);
  return child.pid;
}

/** Stops a process started by startDaemon: SIGTERM, then SIGKILL if it has not exited in time. */
export async function stopDaemon(
  config: StackConfig,
  name: string,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<boolean> {
  const graceMs = options.graceMs ?? 15_000;
  const pid = readPid(config, name);
  fs.rmSync(pidFile(config, name), { force: true });
  if (!isAlive(pid)) return false;
  process.kill(pid, options.signal ?? "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  while (isAlive(pid)) await sleep(50);
  return true;
}

export async function assertPortFree(service: string, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new StackError(
          service,
          error.code === "EADDRINUSE"
            ? `port ${host}:${port} is already taken by another process; free it or choose another port (see README, "Ports")`
            : `cannot bind ${host}:${port}: ${error.message}`,
        ),
      ),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Polls `check` until it returns true; fails naming the service, the last error and the log file. */
export async function waitUntilHealthy(
  service: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; log: string; pid?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = "no answer yet";
  while (Date.now() < deadline) {
    if (options.pid !== undefined && !isAlive(options.pid)) {
      throw new StackError(service, `exited during start-up; last lines:\n${tail(options.log)}`, options.log);
    }
    try {
      if (await check()) return;
      lastError = "not ready";
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(200);
  }
  throw new StackError(
    service,
    `not healthy after ${options.timeoutMs / 1000}s (${lastError}); last lines:\n${tail(options.log)}`,
    options.log,
  );
}

export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Runs a command to completion, streaming nothing; fails with its output when the exit code is not 0. */
export async function run(
  service: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; uid?: number; gid?: number; log?: string } = {},
): Promise<string> {
  return await new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    };
    if (options.uid !== undefined) spawnOptions.uid = options.uid;
    if (options.gid !== undefined) spawnOptions.gid = options.gid;
    const child = spawn(command, args, spawnOptions);
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", (error) => reject(new StackError(service, `cannot run ${command}: ${error.message}`)));
    child.on("close", (code) => {
      if (options.log) fs.appendFileSync(options.log, `$ ${command} ${args.join(" ")}\n${output}\n`);
      if (code === 0) resolve(output);
      else
        reject(
          new StackError(
            service,
            `${path.basename(command)} ${args.slice(0, 3).join(" ")} failed with exit code ${code}:\n${output.trim().split("\n").slice(-15).join("\n")}`,
            options.log,
          ),
        );
    });
  });
}

export function commandExists(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .some((dir) => dir !== "" && fs.existsSync(path.join(dir, command)));
}
