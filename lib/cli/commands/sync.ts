import type { Command } from "commander";
import { readInventory } from "../../db/inventory-store.ts";
import { TenantRowError } from "../../db/source.ts";
import { readStatus } from "../../db/status-store.ts";
import { resync } from "../../pipeline/sync/resync.ts";
import type { Runtime } from "../../runtime/runtime.ts";
import { action, type CliContext } from "../context.ts";
import { CliError } from "../exit-codes.ts";
import { writeJson, writeLines } from "../io.ts";
import { type DatabaseCommandOptions, databaseCommandOptions } from "../options.ts";
import { withRuntime } from "../runtime.ts";
import { invokeResync } from "../sync/remote.ts";
import { isReady, nothingKnown, type SyncReport, syncExitCode, syncText } from "../sync/sync-report.ts";

interface SyncOptions extends DatabaseCommandOptions {
  remote?: boolean;
  function?: string;
}

const unknownTenant = (tenant: string, table: string) =>
  new CliError(
    `tenant ${JSON.stringify(tenant)} not found: no row in ${table} and no objects or status recorded for it`,
  );

/** Refuses a key that has no row and nothing recorded, instead of "tearing down" nothing. */
async function checkKnown(runtime: Runtime, tenant: string): Promise<void> {
  try {
    if (await runtime.source.readTenant(tenant)) return;
  } catch (error) {
    // An unreadable row is a known tenant: the engine records why it cannot be synced.
    if (error instanceof TenantRowError) return;
    throw error;
  }
  const [inventory, status] = await Promise.all([
    readInventory(runtime.db, tenant),
    readStatus(runtime.db, { tenantKey: tenant }),
  ]);
  if (inventory.length === 0 && status.length === 0) throw unknownTenant(tenant, runtime.source.table);
}

async function syncInProcess(context: CliContext, tenant: string, options: SyncOptions): Promise<SyncReport> {
  return withRuntime(options, context, async (runtime) => {
    await checkKnown(runtime, tenant);
    const result = await resync(runtime, { tenant });
    // Internal invariant, plain Error: resync answers a one-tenant request with that tenant's outcome.
    if (!("tenant" in result)) throw new Error("resync of one tenant returned a result for all tenants");
    return {
      tenant,
      mode: "in-process",
      function: null,
      ready: isReady(result.outcome),
      outcome: result.outcome,
    };
  });
}

async function syncRemote(tenant: string, options: SyncOptions): Promise<SyncReport> {
  const name = options.function ?? process.env.TENANT_SYNC_RESYNC_FUNCTION;
  if (!name) {
    throw new CliError(
      "--remote needs the resync function's name: --function <name> or TENANT_SYNC_RESYNC_FUNCTION",
    );
  }
  const { outcome } = await invokeResync(name, tenant);
  if (nothingKnown(outcome)) throw unknownTenant(tenant, "the tenants table");
  return { tenant, mode: "remote", function: name, ready: isReady(outcome), outcome };
}

export function registerSync(program: Command, context: CliContext): void {
  const command = program
    .command("sync")
    .description(
      "resync one tenant now: re-read its row, render, apply every object (even unchanged ones) and prune; " +
        "in this process, or by invoking the deployed resync function",
    )
    .argument("<tenant>", "tenant key")
    .option("--remote", "invoke the deployed resync function instead of reconciling here")
    .option(
      "--function <name>",
      "with --remote: the function's name or ARN (default: $TENANT_SYNC_RESYNC_FUNCTION)",
    );
  databaseCommandOptions(command).action(
    action<SyncOptions>(context, async ([tenant], options) => {
      const key = tenant as string;
      const report = options.remote
        ? await syncRemote(key, options)
        : await syncInProcess(context, key, options);
      if (options.json) writeJson(context.io, report);
      else writeLines(context.io.stdout, syncText(report));
      return syncExitCode(report);
    }),
  );
}
