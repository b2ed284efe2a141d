import { Command } from "commander";
import { COMMANDS, type RegisterCommand } from "./commands/index.ts";
import type { CliContext } from "./context.ts";

/**
 * The `tenant-sync` program with every command (then `extraCommands`, which the dev tooling adds), writing
 * to the context's streams instead of exiting.
 */
export function buildProgram(context: CliContext, extraCommands: readonly RegisterCommand[] = []): Command {
  const program = new Command("tenant-sync")
    .description(
      "Database rows in, Kubernetes objects out: check and preview template sets, sync tenants, read their " +
        "status. Configuration comes from the TENANT_SYNC_* environment, as for the functions, or --local.\n" +
        "Exit codes: 0 ok, 1 error or usage, 2 validation problems, 3 not Ready or differences found.",
    )
    .showHelpAfterError("(add --help for usage)")
    // Commander must not exit the process: run() turns its errors into exit codes.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    });
  for (const register of [...COMMANDS, ...extraCommands]) register(program, context);
  return program;
}
