/**
 * `npm run faults -- --ops 1000 --tenants 300 --seed 42 [--database mysql] [--keep-state]`: the full
 * convergence-under-faults run on its own scratch stack. Prints the report as JSON and exits 1 when the
 * cluster does not equal the database, or when the pipeline alone lost a change.
 */
import fs from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { loadStackConfig } from "../../../infra/stack/config.ts";
import { parseReadySeconds } from "../../../infra/stack/simulated-behaviour.ts";
import { randomSeed } from "./prng.ts";
import { runFaultSuite } from "./suite.ts";
import { verdict } from "./verdict.ts";

const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
};

const program = new Command("faults")
  .description("random row changes with injected faults; then the cluster must equal the database")
  .option("--ops <n>", "row operations", integer, 1000)
  .option("--tenants <n>", "tenant keys the operations are spread over", integer, 300)
  .option("--seed <n>", "PRNG seed (printed; pass it again to replay the same operations)", integer)
  .option("--database <name>", "postgres or mysql", "postgres")
  .option("--pause-ms <n>", "pause between operations", integer, 25)
  .option("--keep-state", "keep the scratch stack's state directory (logs of the relay and worker)")
  .option(
    "--workload-ready-seconds <range>",
    'how long each workload rollout takes, e.g. "1-5" (seconds)',
    "1-5",
  )
  .action(
    async (options: {
      ops: number;
      tenants: number;
      seed?: number;
      database: string;
      pauseMs: number;
      keepState?: boolean;
      workloadReadySeconds: string;
    }) => {
      if (options.database !== "postgres" && options.database !== "mysql") {
        throw new InvalidArgumentError("--database must be postgres or mysql");
      }
      const seed = options.seed ?? randomSeed();
      process.stderr.write(`${JSON.stringify({ message: "fault run", seed })}\n`);
      const report = await runFaultSuite({
        ops: options.ops,
        tenants: options.tenants,
        seed,
        database: options.database,
        opPauseMs: options.pauseMs,
        keepState: options.keepState ?? false,
        workloadReadySeconds: readySecondsRange(options.workloadReadySeconds),
      });
      // Logs are JSON lines on stdout too: the report also goes to a file, whole.
      const file = path.join(loadStackConfig().stateDir, "faults-report.json");
      fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.stderr.write(`report: ${file}\n`);
      const problems = verdict(report);
      for (const problem of problems) process.stderr.write(`FAIL: ${problem}\n`);
      process.stderr.write(
        problems.length === 0
          ? `PASS: seed ${seed}, ${report.ops.total} ops over ${report.tenantKeys} tenant keys\n`
          : `replay with: npm run faults -- --ops ${options.ops} --tenants ${options.tenants} --seed ${seed} --database ${options.database}\n`,
      );
      process.exitCode = problems.length === 0 ? 0 : 1;
    },
  );

await program.parseAsync();

function readySecondsRange(value: string): [number, number] {
  const seconds = parseReadySeconds(value, "--workload-ready-seconds");
  return typeof seconds === "number" ? [seconds, seconds] : seconds;
}
