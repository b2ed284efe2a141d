import { CommanderError } from "commander";
import { newContext } from "./context.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import { type CliIo, processIo } from "./io.ts";
import { buildProgram } from "./program.ts";

/**
 * Runs the CLI on `args` (without `node` and the script) and returns the exit code. Usage errors and
 * --help are commander's; every other failure is a command's own exit code (see exit-codes.ts).
 */
export async function run(args: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const context = newContext(io);
  try {
    await buildProgram(context).parseAsync([...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    throw error;
  }
  return context.exitCode;
}

/** Exits once stdout and stderr have been handed to the OS: piped output is never cut short. */
function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

if (import.meta.main) {
  // Database pools, SDK clients and kube watches may keep the event loop alive; the command is done.
  run(process.argv.slice(2)).then(exitAfterFlush, (error: unknown) => {
    process.stderr.write(`tenant-sync: ${(error as Error)?.stack ?? String(error)}\n`);
    exitAfterFlush(EXIT.error);
  });
}
