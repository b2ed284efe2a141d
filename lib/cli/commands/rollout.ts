import type { Command } from "commander";
import type { RolloutSummary } from "../../rollout/model.ts";
import { handleRolloutRequest, parseRolloutRequest } from "../../rollout/request.ts";
import { action, type CliContext } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { writeJson, writeLines } from "../io.ts";
import { type DatabaseCommandOptions, databaseCommandOptions } from "../options.ts";
import { withRuntime } from "../runtime.ts";

interface RolloutOptions extends DatabaseCommandOptions {
  from?: string;
  to?: string;
  waveSize?: string;
  failureThreshold?: number;
  replace?: boolean;
}

function summaryText(rollout: RolloutSummary): string[] {
  const lines = [
    `${rollout.set} ${rollout.fromVersion} → ${rollout.toVersion}: ${rollout.state}, wave ${rollout.wave}; ` +
      `done ${rollout.done}, in progress ${rollout.inProgress}, failed ${rollout.failed}, remaining ${rollout.remaining}`,
  ];
  if (rollout.admittedNow.length > 0) lines.push(`  admitted now: ${rollout.admittedNow.join(", ")}`);
  if (rollout.failedTenants.length > 0) lines.push(`  failed: ${rollout.failedTenants.join(", ")}`);
  if (rollout.message) lines.push(`  ${rollout.message}`);
  return lines;
}

/** The rollout function's requests from a terminal (docs/rollout.md); the schedule runs `step` by itself. */
export function registerRollout(program: Command, context: CliContext): void {
  const command = program
    .command("rollout")
    .description("move tenants to a changed template set in waves: start, step, pause, resume, status")
    .argument("<action>", "start | step | pause | resume | status")
    .argument("[set]", "template set (required for start, pause and resume)")
    .option(
      "--from <version>",
      "start: the version tenants move from (default: the most common other version)",
    )
    .option("--to <version>", "start: the version they move to (default: the templates folder's)")
    .option("--wave-size <n|n%>", "start/resume: tenants per wave, a count or a share such as 10%")
    .option("--failure-threshold <n>", "start/resume: failures tolerated before the rollout halts", Number)
    .option("--replace", "start: end the set's paused or halted rollout first");
  databaseCommandOptions(command).action(
    action<RolloutOptions>(context, async ([name, set], options) =>
      withRuntime(options, context, async (runtime) => {
        const waveSize = options.waveSize?.endsWith("%")
          ? options.waveSize
          : options.waveSize && Number(options.waveSize);
        const request = parseRolloutRequest({
          action: name,
          ...(set ? { set } : {}),
          ...(options.from ? { fromVersion: options.from } : {}),
          ...(options.to ? { toVersion: options.to } : {}),
          ...(waveSize !== undefined ? { waveSize } : {}),
          ...(options.failureThreshold !== undefined ? { failureThreshold: options.failureThreshold } : {}),
          ...(options.replace ? { replace: true } : {}),
        });
        const result = await handleRolloutRequest(runtime, request);
        if (options.json) writeJson(context.io, result);
        else
          writeLines(
            context.io.stdout,
            result.rollouts.length > 0 ? result.rollouts.flatMap(summaryText) : ["no rollout"],
          );
        return result.rollouts.some((r) => r.state === "Halted") ? EXIT.notReady : EXIT.ok;
      }),
    ),
  );
}
