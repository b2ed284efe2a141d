import type { Command } from "commander";
import { sweeperFor, sweepOptionsFromEnv } from "../../sweep/index.ts";
import type { SweepResult } from "../../sweep/result.ts";
import { action, type CliContext } from "../context.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { writeJson, writeLines } from "../io.ts";
import { type DatabaseCommandOptions, databaseCommandOptions } from "../options.ts";
import { withRuntime } from "../runtime.ts";

interface SweepCommandOptions extends DatabaseCommandOptions {
  dryRun?: boolean;
  allowMassDelete?: boolean;
  inline?: boolean;
}

/** Held and Failed runs are answers a script should notice; a skipped run (lease held elsewhere) too. */
function sweepExitCode(result: SweepResult): ExitCode {
  if (result.outcome === "Failed") return EXIT.error;
  return result.outcome === "Done" || result.outcome === "DryRun" ? EXIT.ok : EXIT.notReady;
}

function sweepText(result: SweepResult): string[] {
  const c = result.counts;
  const lines = [
    `sweep ${result.outcome}${result.runId === undefined ? "" : ` (run ${result.runId})`} in ${result.durationMs} ms`,
    `  tenants ${c.tenants} (active ${c.activeTenants}, invalid rows ${c.invalidRows}); objects desired ${c.desiredObjects}, live ${c.liveObjects}`,
    `  missing ${c.missing}, drifted ${c.drifted}, deleted by hand ${c.deletedByHand}, deep-drifted ${c.deepDrifted} of ${c.deepChecked} checked`,
    `  tenants to repair ${c.tenantsToRepair}: enqueued ${c.enqueued}, repaired inline ${c.repaired}, failed ${c.enqueueFailed + c.repairFailed}`,
    `  orphans ${c.orphans} of ${c.orphanTenants} tenants: removed ${c.removed}, retained ${c.retained}, failed ${c.removeFailed}`,
    `  API requests: ${
      Object.entries(result.requests)
        .filter(([, n]) => n > 0)
        .map(([verb, n]) => `${verb} ${n}`)
        .join(", ") || "none"
    }; writes ${result.writes}`,
  ];
  if (result.heldReason) lines.push(`  HELD: ${result.heldReason}`);
  if (result.reason) lines.push(`  ${result.reason}`);
  for (const error of result.errors.slice(0, 10)) lines.push(`  error: ${error}`);
  // Names that collide need a person: the sweep keeps each object with its owner and repairs it for nobody else.
  for (const collision of result.plan.collisions.slice(0, 10)) {
    lines.push(
      `  colliding: ${collision.object} belongs to ${collision.owner ?? "no tenant yet"}; also rendered by ${collision.tenants.join(", ")}`,
    );
  }
  if (result.outcome === "DryRun") {
    for (const repair of result.plan.repairs.slice(0, 20))
      lines.push(`  would repair ${JSON.stringify(repair)}`);
    for (const removal of result.plan.removals.slice(0, 20))
      lines.push(`  would remove ${JSON.stringify(removal)}`);
  }
  return lines;
}

export function registerSweep(program: Command, context: CliContext): void {
  const command = program
    .command("sweep")
    .description(
      "the scheduled sweep on demand: find missing, drifted and orphaned objects, repair tenants (via the queue, or " +
        "--inline here) and remove orphans by their deletion policy; safety valves hold mass deletions back",
    )
    .option("--dry-run", "print the plan; change nothing")
    .option(
      "--allow-mass-delete",
      "let deletions through that the safety valves would hold (see docs/sweep.md)",
    )
    .option("--inline", "repair tenants in this process instead of enqueueing them");
  databaseCommandOptions(command).action(
    action<SweepCommandOptions>(context, async (_args, options) =>
      withRuntime(options, context, async (runtime) => {
        const result = await sweeperFor(runtime).run({
          ...sweepOptionsFromEnv(),
          ...(options.dryRun ? { dryRun: true } : {}),
          ...(options.allowMassDelete ? { allowMassDelete: true } : {}),
          ...(options.inline ? { inline: true } : {}),
        });
        if (options.json) writeJson(context.io, result);
        else writeLines(context.io.stdout, sweepText(result));
        return sweepExitCode(result);
      }),
    ),
  );
}
