import { type Command, InvalidArgumentError } from "commander";
import type { EnvironmentOptions } from "./environment.ts";

/** `--json`: every command has it; the shapes are in docs/cli.md. */
export function jsonOption(command: Command): Command {
  return command.option("--json", "print the result as JSON on stdout (nothing else goes to stdout)");
}

/** Where the template sets are. */
export function templatesOption(command: Command): Command {
  return command.option(
    "--templates <dir>",
    "template sets folder (default: $TENANT_SYNC_TEMPLATES_DIR, else the repository's templates/)",
  );
}

/** Configuration from the environment, as the functions read it, or the local stack's. */
export function stackOptions(command: Command): Command {
  return command
    .option(
      "--local",
      "use the local stack (default when TENANT_SYNC_DATABASE_URL is unset and .stack/stack.json exists)",
    )
    .option("--mysql", "with the local stack: its MariaDB instead of its PostgreSQL (implies --local)");
}

export function verboseOption(command: Command): Command {
  return command.option("--verbose", "write the engine's structured log to stderr");
}

/** The options of every command that uses the database (and maybe the clusters), in --help order. */
export function databaseCommandOptions(command: Command): Command {
  return jsonOption(verboseOption(stackOptions(templatesOption(command))));
}

/** Options of commands that use the database (and maybe the clusters). */
export interface DatabaseCommandOptions extends EnvironmentOptions {
  json?: boolean;
  verbose?: boolean;
}

/** A positive integer option value, with an error naming the option. */
export function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) {
      throw new InvalidArgumentError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return number;
  };
}
