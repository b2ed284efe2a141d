import { type ChildProcess, fork } from "node:child_process";
import fs from "node:fs";

/**
 * A function process (relay or sync worker) as a child that can be SIGKILLed. When it dies on its own (a
 * fault it injected into itself) it is started again, as Lambda starts a fresh container for the next
 * invocation. Only the child this object started is ever signalled, by its pid.
 */
export class SupervisedChild {
  readonly name: string;
  private readonly script: string;
  private readonly env: Record<string, string>;
  private readonly logFile: string;
  private child: ChildProcess | undefined;
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();
  starts = 0;
  /** Exits the parent did not ask for (self-inflicted faults, crashes). */
  unexpectedExits = 0;
  /** Exits by the process's own doing, not a signal: an unhandled error. Always a bug. */
  crashes = 0;

  constructor(options: { name: string; script: string; env: Record<string, string>; logFile: string }) {
    this.name = options.name;
    this.script = options.script;
    this.env = options.env;
    this.logFile = options.logFile;
  }

  /** Starts the child and resolves once it reports that it runs. */
  async start(): Promise<void> {
    this.stopping = false;
    const log = fs.openSync(this.logFile, "a");
    const child = fork(this.script, [], {
      env: { ...process.env, ...this.env },
      stdio: ["ignore", log, log, "ipc"],
    });
    fs.closeSync(log);
    this.child = child;
    this.starts++;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!this.stopping) {
          this.unexpectedExits++;
          if (signal === null) this.crashes++;
          fs.appendFileSync(
            this.logFile,
            `${JSON.stringify({ level: "WARN", message: "child exited", child: this.name, code, signal })}\n`,
          );
          // A fresh "container" for the next invocation; its ready message is not awaited here.
          void this.start().catch(() => {});
        }
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (message === "ready") {
          child.off("message", onMessage);
          resolve();
        }
      };
      child.on("message", onMessage);
      child.once("exit", (code, signal) =>
        reject(new Error(`${this.name} exited during start-up (${code ?? signal}); see ${this.logFile}`)),
      );
    });
  }

  /** Tells the child to inject a fault into itself (see the child scripts). */
  arm(fault: string): boolean {
    if (!this.child?.connected) return false;
    this.child.send(fault);
    return true;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Waits until the current child has exited (used after arming a fault that kills it). */
  async waitForExit(): Promise<void> {
    await this.exited;
  }

  /** SIGKILL from outside: the process gets no chance to finish anything. Restarted like a crash. */
  kill(): void {
    if (this.child?.pid !== undefined) process.kill(this.child.pid, "SIGKILL");
  }

  /** Stops for good (SIGTERM, then SIGKILL); no restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child?.pid) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.pid !== undefined && child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
