import { CommanderError } from "commander";
import type { RegisterCommand } from "./commands/index.ts";
import { newContext } from "./context.ts";
import type { LocalStack } from "./environment.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import { type CliIo, processIo } from "./io.ts";
import { buildProgram } from "./program.ts";

/** What the dev tooling (infra/cli/main.ts) adds to the product CLI: its own commands and the local stack. */
export interface CliExtensions {
  commands?: readonly RegisterCommand[];
  localStack?: LocalStack;
}

/**
 * Runs the CLI on `args` (without `node` and the script) and returns the exit code. Usage errors and
 * --help are commander's; every other failure is a command's own exit code (see exit-codes.ts).
 */
export async function run(
  args: readonly string[],
  io: CliIo = processIo(),
  extensions: CliExtensions = {},
): Promise<ExitCode> {
  const context = newContext(io, extensions.localStack);
  try {
    await buildProgram(context, extensions.commands).parseAsync([...args], { from: "user" });
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

/** Runs the CLI on this process's arguments and exits with its code. */
export function runAndExit(extensions: CliExtensions = {}): void {
  // Database pools, SDK clients and kube watches may keep the event loop alive; the command is done.
  run(process.argv.slice(2), processIo(), extensions).then(exitAfterFlush, (error: unknown) => {
    process.stderr.write(`tenant-sync: ${(error as Error)?.stack ?? String(error)}\n`);
    exitAfterFlush(EXIT.error);
  });
}

if (import.meta.main) runAndExit();
