import type { Command } from "commander";
import type { Runtime } from "../../runtime/runtime.ts";
import { action, type CliContext } from "../context.ts";
import { summaryText, tenantDiffText } from "../diff/diff-text.ts";
import { diffFleet } from "../diff/fleet-diff.ts";
import { addToSummary, diffExitCode, emptySummary } from "../diff/summary.ts";
import { type DiffDeps, diffTenant, type TenantDiff } from "../diff/tenant-diff.ts";
import { CliError, EXIT, type ExitCode, worstExit } from "../exit-codes.ts";
import { writeJson, writeLines } from "../io.ts";
import { type DatabaseCommandOptions, databaseCommandOptions, positiveInteger } from "../options.ts";
import { progressBar } from "../progress.ts";
import { withRuntime } from "../runtime.ts";

interface DiffOptions extends DatabaseCommandOptions {
  tenant?: string;
  all?: boolean;
  set?: string;
  unchanged?: boolean;
  tenantConcurrency: number;
}

function diffDeps(runtime: Runtime, options: DiffOptions): DiffDeps {
  if (options.set !== undefined && !runtime.sets.some((set) => set.name === options.set)) {
    throw new CliError(
      `template set ${JSON.stringify(options.set)} not found in ${runtime.config.templatesDir}; ` +
        `the sets are: ${runtime.sets.map((set) => set.name).join(", ") || "(none)"}`,
    );
  }
  return {
    db: runtime.db,
    source: runtime.source,
    sets: runtime.sets,
    clusters: runtime.clusters,
    concurrency: runtime.config.concurrency,
  };
}

async function diffOne(context: CliContext, runtime: Runtime, options: DiffOptions): Promise<ExitCode> {
  const tenant = options.tenant as string;
  const diff = await diffTenant(diffDeps(runtime, options), tenant, { setName: options.set });
  if (!diff.rowFound && diff.objects.length === 0) {
    throw new CliError(
      `tenant ${JSON.stringify(tenant)} not found: no row in ${runtime.source.table} and no objects recorded for it`,
    );
  }
  const summary = emptySummary();
  addToSummary(summary, diff);
  const shown: TenantDiff = options.unchanged
    ? diff
    : { ...diff, objects: diff.objects.filter((object) => object.status !== "unchanged") };
  if (options.json) writeJson(context.io, { tenants: [shown], summary });
  else writeLines(context.io.stdout, [...tenantDiffText(shown, true), summaryText(summary)]);
  return diffExitCode(diff);
}

async function diffAll(context: CliContext, runtime: Runtime, options: DiffOptions): Promise<ExitCode> {
  const deps = diffDeps(runtime, options);
  const progress = progressBar(context.io.stderr, { enabled: !options.json, unit: "tenants" });
  progress.start(await runtime.source.countTenants());
  let exitCode: ExitCode = EXIT.ok;
  let result: Awaited<ReturnType<typeof diffFleet>>;
  try {
    result = await diffFleet(deps, {
      setName: options.set,
      tenantConcurrency: options.tenantConcurrency,
      keepUnchanged: options.unchanged === true,
      onTenant: (diff) => {
        exitCode = worstExit(exitCode, diffExitCode(diff));
        progress.tick();
      },
    });
  } finally {
    progress.stop();
  }
  if (options.json) writeJson(context.io, result);
  else {
    writeLines(
      context.io.stdout,
      result.tenants.flatMap((diff) => tenantDiffText(diff, true)),
    );
    context.io.stdout.write(`${summaryText(result.summary)}\n`);
  }
  return exitCode;
}

export function registerDiff(program: Command, context: CliContext): void {
  const command = program
    .command("diff")
    .description(
      "preview what a reconcile would change: server-side dry-run of every rendered object against the " +
        "live cluster, per tenant objects to create, change (field by field) and prune, with a summary",
    )
    .option("--tenant <key>", "one tenant")
    .option("--all", "every tenant of the source table")
    .option("--set <name>", "only this template set")
    .option("--unchanged", "also list objects (and tenants) that already match")
    .option(
      "--tenant-concurrency <n>",
      "with --all: tenants diffed at once",
      positiveInteger("--tenant-concurrency"),
      4,
    );
  databaseCommandOptions(command).action(
    action<DiffOptions>(context, async (_args, options) => {
      if ((options.tenant === undefined) === (options.all !== true)) {
        throw new CliError("diff needs exactly one of --tenant <key> and --all");
      }
      return withRuntime(options, context, (runtime) =>
        options.all ? diffAll(context, runtime, options) : diffOne(context, runtime, options),
      );
    }),
  );
}
