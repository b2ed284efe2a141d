import type { Command } from "commander";
import { loadTemplateSets } from "../../templates/loader.ts";
import { cliClusters } from "../clusters.ts";
import { action, type CliContext } from "../context.ts";
import { cliEnvironment, cliTemplatesDir } from "../environment.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { writeJson, writeLines } from "../io.ts";
import { type DatabaseCommandOptions, jsonOption, stackOptions, templatesOption } from "../options.ts";
import { asApplied, renderErrors, renderSets } from "../render/render-report.ts";
import { renderYaml } from "../render/render-yaml.ts";
import { collectValue, parseRowJson } from "../render/row-values.ts";
import { rowFromDatabase, rowFromValues, type TenantRow } from "../render/tenant-row.ts";
import { withDatabase } from "../runtime.ts";

interface RenderOptions extends DatabaseCommandOptions {
  set?: string;
  value?: [string, unknown][];
  rowJson?: Record<string, unknown>;
  cluster?: string;
  asApplied?: boolean;
}

const fromFlags = (options: RenderOptions) =>
  options.rowJson !== undefined || (options.value?.length ?? 0) > 0;

/** The tenant's row and the template sets, from the command line or from the database. */
async function inputs(context: CliContext, tenant: string, options: RenderOptions) {
  if (fromFlags(options)) {
    const env = cliEnvironment(options, context.localStack);
    const sets = await loadTemplateSets(cliTemplatesDir(options, env));
    return {
      sets,
      tenantRow: rowFromValues(tenant, env, {
        rowJson: options.rowJson,
        values: options.value,
        cluster: options.cluster,
      }),
      secretPrefix: env.TENANT_SYNC_SECRET_PREFIX,
    };
  }
  return withDatabase(options, context, async (_db, source, config) => {
    const tenantRow: TenantRow = await rowFromDatabase(source, tenant);
    if (options.cluster) tenantRow.cluster = options.cluster;
    return {
      sets: await loadTemplateSets(config.templatesDir),
      tenantRow,
      secretPrefix: config.secretPrefix,
    };
  });
}

export function registerRender(program: Command, context: CliContext): void {
  const command = program
    .command("render")
    .description(
      "print the objects a tenant gets (YAML, or JSON with --json), from its database row or from values " +
        "given here (then no database is needed)",
    )
    .argument("<tenant>", "tenant key")
    .option("--set <name>", "only this template set (rendered even if its selector does not pick the tenant)")
    .option(
      "--value <column=value>",
      "a column value, repeatable; read as JSON when it parses (3, true, null, {...}), else as text",
      collectValue,
    )
    .option(
      "--row-json <json>",
      "the whole row as a JSON object (--value flags override its columns)",
      parseRowJson,
    )
    .option("--cluster <name>", "the tenant's cluster (default: from the row, else the default cluster)")
    .option(
      "--as-applied",
      "show the objects as applied: default namespace, tenant-sync labels and annotations (reads the cluster's discovery)",
    );
  jsonOption(stackOptions(templatesOption(command))).action(
    action<RenderOptions>(context, async ([tenant], options) => {
      const key = tenant as string;
      const { sets, tenantRow, secretPrefix } = await inputs(context, key, options);
      if (options.set !== undefined && !sets.some((set) => set.name === options.set)) {
        throw new CliError(
          `template set ${JSON.stringify(options.set)} not found; the sets are: ${sets.map((s) => s.name).join(", ")}`,
        );
      }
      let views = tenantRow.active
        ? renderSets(sets, tenantRow.row, key, tenantRow.cluster, options.set)
        : [];
      if (options.asApplied && views.length > 0) {
        views = await asApplied(views, await cliClusters(secretPrefix).client(tenantRow.cluster), key);
      }
      const errors = renderErrors(views);
      if (options.json) {
        writeJson(context.io, {
          tenant: key,
          cluster: tenantRow.cluster,
          source: tenantRow.source,
          active: tenantRow.active,
          sets: views,
          errors,
        });
      } else {
        if (!tenantRow.active) context.io.stderr.write(`tenant ${key} is not active: it gets no objects\n`);
        context.io.stdout.write(renderYaml(key, views));
        writeLines(
          context.io.stderr,
          errors.map((error) => `error: ${error}`),
        );
      }
      return errors.length > 0 ? EXIT.problems : EXIT.ok;
    }),
  );
}
