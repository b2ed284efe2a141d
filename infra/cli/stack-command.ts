import type { Command } from "commander";
import { action, type CliContext } from "../../lib/cli/context.ts";
import { EXIT } from "../../lib/cli/exit-codes.ts";
import { type CliIo, writeJson, writeLines } from "../../lib/cli/io.ts";
import { jsonOption } from "../../lib/cli/options.ts";
import type { ServiceStatus } from "../stack/stack.ts";

// The stack's modules are loaded only by this command: they are local tooling, not part of the product.
const stackModules = async () => {
  const [{ loadStackConfig }, stack, { stackInfoPath }] = await Promise.all([
    import("../stack/config.ts"),
    import("../stack/stack.ts"),
    import("../stack/stack-info.ts"),
  ]);
  return { config: loadStackConfig(), stack, stackInfoPath };
};

function printServices(io: CliIo, rows: readonly ServiceStatus[]): void {
  writeLines(
    io.stdout,
    rows.flatMap((row) => {
      const state = row.healthy ? "healthy" : row.running ? "running, NOT healthy" : "stopped";
      return [
        `${row.service.padEnd(11)} ${state.padEnd(21)} ${row.endpoint}`,
        `${"".padEnd(11)} logs: ${row.logs.join(", ")}`,
      ];
    }),
  );
}

const allHealthy = (rows: readonly ServiceStatus[]) => rows.every((row) => row.healthy);

/** `stack up|down|status`: the local stack (infra/stack), as `npm run stack` manages it. */
export function registerStack(program: Command, context: CliContext): void {
  const stack = program
    .command("stack")
    .description("the local stack: Kubernetes, PostgreSQL, MariaDB, SQS and Secrets Manager on 127.0.0.1");

  jsonOption(
    stack.command("up").description("start every service (idempotent) and wait until all are healthy"),
  ).action(
    action<{ json?: boolean }>(context, async (_args, options) => {
      const { config, stack: modules, stackInfoPath } = await stackModules();
      const started = Date.now();
      await modules.up(config);
      const services = await modules.status(config);
      if (options.json) writeJson(context.io, { healthy: allHealthy(services), services });
      else {
        printServices(context.io, services);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        context.io.stdout.write(`stack ready in ${seconds}s; details: ${stackInfoPath(config.stateDir)}\n`);
      }
      return allHealthy(services) ? EXIT.ok : EXIT.notReady;
    }),
  );

  jsonOption(stack.command("down").description("stop every process the stack started, by pid")).action(
    action<{ json?: boolean }>(context, async (_args, options) => {
      const { config, stack: modules } = await stackModules();
      const stopped = await modules.down(config);
      if (options.json) writeJson(context.io, { stopped });
      else
        context.io.stdout.write(stopped.length ? `stopped ${stopped.join(", ")}\n` : "nothing was running\n");
      return EXIT.ok;
    }),
  );

  jsonOption(
    stack.command("status").description("each service: healthy or not, where it listens, its log files"),
  ).action(
    action<{ json?: boolean }>(context, async (_args, options) => {
      const { config, stack: modules } = await stackModules();
      const services = await modules.status(config);
      if (options.json) writeJson(context.io, { healthy: allHealthy(services), services });
      else printServices(context.io, services);
      return allHealthy(services) ? EXIT.ok : EXIT.notReady;
    }),
  );
}
