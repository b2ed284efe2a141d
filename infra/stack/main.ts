import { Command } from "commander";
import { loadStackConfig } from "./config.ts";
import { down, status, up } from "./stack.ts";
import { stackInfoPath } from "./stack-info.ts";

function printStatus(rows: Awaited<ReturnType<typeof status>>): void {
  for (const row of rows) {
    const state = row.healthy ? "healthy" : row.running ? "running, NOT healthy" : "stopped";
    console.log(`${row.service.padEnd(18)} ${state.padEnd(20)} ${row.endpoint}`);
    console.log(`${"".padEnd(18)} logs: ${row.logs.join(", ")}`);
  }
}

const program = new Command("stack").description(
  "The local stack: Kubernetes control plane, PostgreSQL, MariaDB, SQS (ElasticMQ) and Secrets Manager (moto), all on 127.0.0.1",
);

program
  .command("up")
  .description(
    "start every service (idempotent: healthy services are left alone) and wait until all are healthy",
  )
  .option("--json", "print the status as JSON")
  .action(async (options: { json?: boolean }) => {
    const config = loadStackConfig();
    const started = Date.now();
    await up(config);
    const rows = await status(config);
    if (options.json) {
      console.log(JSON.stringify(rows, null, 2));
      return;
    }
    printStatus(rows);
    console.log(
      `stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s; details: ${stackInfoPath(config.stateDir)}`,
    );
  });

program
  .command("down")
  .description("stop every process the stack started, by pid")
  .action(async () => {
    const stopped = await down(loadStackConfig());
    console.log(stopped.length ? `stopped ${stopped.join(", ")}` : "nothing was running");
  });

program
  .command("status")
  .description("show each service, whether it is healthy, where it listens and its log files")
  .option("--json", "print the status as JSON")
  .action(async (options: { json?: boolean }) => {
    const rows = await status(loadStackConfig());
    if (options.json) console.log(JSON.stringify(rows, null, 2));
    else printStatus(rows);
    if (!rows.every((row) => row.healthy)) process.exitCode = 3;
  });

program.parseAsync().catch((error: Error) => {
  console.error(`stack: ${error.message}`);
  process.exit(1);
});
