import type { Log } from "../log.ts";

/**
 * The engine's structured log, for a person at a terminal: silent by default (the command prints the
 * outcome), JSON lines on stderr with --verbose. Never on stdout, which belongs to the command's result.
 */
export function cliLog(stderr: NodeJS.WritableStream, verbose: boolean): Log {
  const write =
    (level: string) =>
    (message: unknown, ...extra: unknown[]) => {
      if (!verbose) return;
      const fields = Object.assign({}, ...extra.filter((item) => typeof item === "object" && item !== null));
      stderr.write(`${JSON.stringify({ level, message, ...fields })}\n`);
    };
  return { debug: write("DEBUG"), info: write("INFO"), warn: write("WARN"), error: write("ERROR") };
}
