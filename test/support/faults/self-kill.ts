import fs from "node:fs";

/**
 * Ends this process the way a crash or a Lambda timeout does: SIGKILL, no cleanup, no pending writes. The
 * reason goes to stderr synchronously first, so the log says which fault fired.
 */
export function dieNow(fault: string, details: Record<string, unknown>): never {
  fs.writeSync(2, `${JSON.stringify({ level: "WARN", message: "fault injected", fault, ...details })}\n`);
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL did not end the process");
}

/** Faults the parent arms by IPC message; each fires once. */
export class ArmedFaults {
  private readonly armed = new Set<string>();

  constructor() {
    process.on("message", (message) => {
      if (typeof message === "string") this.armed.add(message);
    });
  }

  isArmed(fault: string): boolean {
    return this.armed.has(fault);
  }
}
