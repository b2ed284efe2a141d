import type { Command } from "commander";
import { readInventory } from "../../db/inventory-store.ts";
import type { Queryable } from "../../db/queryable.ts";
import { TenantRowError, type TenantSource } from "../../db/source.ts";
import { loadTemplateSets } from "../../templates/loader.ts";
import { action, type CliContext } from "../context.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { writeJson, writeLines } from "../io.ts";
import { type DatabaseCommandOptions, jsonOption, stackOptions, templatesOption } from "../options.ts";
import { withDatabase } from "../runtime.ts";
import { fleetStatusText, tenantStatusText } from "../status/status-text.ts";
import { fleetStatus, tenantStatus } from "../status/status-view.ts";

/** The sets' versions in the templates folder now, to show which tenants run an older one. */
async function currentVersions(dir: string): Promise<Map<string, string> | undefined> {
  try {
    return new Map((await loadTemplateSets(dir)).map((set) => [set.name, set.version]));
  } catch {
    // Status is read from the database; broken templates are `validate`'s business, not a reason to fail here.
    return undefined;
  }
}

/** A tenant without status rows is either not reconciled yet (it has a row) or unknown. */
async function checkKnown(db: Queryable, source: TenantSource, tenant: string): Promise<void> {
  const row = await source.readTenant(tenant).catch((error: unknown) => {
    // A row that exists but cannot be read is still a known tenant.
    if (error instanceof TenantRowError) return true;
    throw error;
  });
  if (row) return;
  if ((await readInventory(db, tenant)).length > 0) return;
  throw new CliError(
    `tenant ${JSON.stringify(tenant)} not found: no row in ${source.table} and no status or objects recorded for it`,
  );
}

export function registerStatus(program: Command, context: CliContext): void {
  const command = program
    .command("status")
    .description(
      "where tenants stand, from the status table: one tenant's sets (phase, counts, last error, ages, " +
        "template version), or without a tenant the fleet summary",
    )
    .argument("[tenant]", "tenant key; without it, the fleet summary");
  jsonOption(stackOptions(templatesOption(command))).action(
    action<DatabaseCommandOptions>(context, ([tenant], options) =>
      withDatabase(options, context, async (db, source, config) => {
        const now = context.now();
        if (tenant === undefined) {
          const view = await fleetStatus(db);
          if (options.json) writeJson(context.io, view);
          else writeLines(context.io.stdout, fleetStatusText(view, now));
          return view.tenantsNotReady === 0 ? EXIT.ok : EXIT.notReady;
        }
        const view = await tenantStatus(db, tenant, await currentVersions(config.templatesDir));
        if (view.sets.length === 0) await checkKnown(db, source, tenant);
        if (options.json) writeJson(context.io, view);
        else writeLines(context.io.stdout, tenantStatusText(view, now));
        return view.ready ? EXIT.ok : EXIT.notReady;
      }),
    ),
  );
}
