import type { Command } from "commander";
import type { LocalStack } from "./environment.ts";
import { EXIT, type ExitCode } from "./exit-codes.ts";
import type { CliIo } from "./io.ts";
import { reportError } from "./report-error.ts";

/** What one run of the CLI shares between its commands: where to write, and the exit code so far. */
export interface CliContext {
  io: CliIo;
  exitCode: ExitCode;
  /** The clock ages are measured against (tests fix it). */
  now: () => Date;
  /** The local stack, when the CLI runs from the dev tooling (`npm run cli`); the installed bin has none. */
  localStack?: LocalStack;
}

/** Options every command has. */
export interface JsonOption {
  json?: boolean;
}

/**
 * A commander action that runs `handler` with the command's positional arguments and options, records the
 * exit code it returns, and turns any error into a reported failure (so a command never throws past here).
 */
export function action<O extends JsonOption>(
  context: CliContext,
  handler: (args: string[], options: O, command: Command) => Promise<ExitCode>,
): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const command = params[params.length - 1] as Command;
    const options = command.opts<O>();
    try {
      context.exitCode = await handler(command.processedArgs as string[], options, command);
    } catch (error) {
      context.exitCode = reportError(context.io, command.name(), error, options.json === true);
    }
  };
}

export const newContext = (io: CliIo, localStack?: LocalStack): CliContext => ({
  io,
  exitCode: EXIT.ok,
  now: () => new Date(),
  ...(localStack ? { localStack } : {}),
});
