import type { RuntimeConfig } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { TenantSource } from "../db/source.ts";
import { RuntimeParts } from "../runtime/parts.ts";
import { createRuntime, type Runtime } from "../runtime/runtime.ts";
import type { CliContext } from "./context.ts";
import { explainDatabaseError } from "./db-errors.ts";
import { cliConfig, type EnvironmentOptions } from "./environment.ts";
import { cliLog } from "./log.ts";

/** The functions' runtime (database, source, templates, clusters, engine), closed when `fn` is done. */
export async function withRuntime<T>(
  options: EnvironmentOptions & { verbose?: boolean },
  context: CliContext,
  fn: (runtime: Runtime) => Promise<T>,
): Promise<T> {
  const runtime = await createRuntime(
    cliConfig(options, context.localStack),
    cliLog(context.io.stderr, options.verbose === true),
  );
  try {
    return await fn(runtime);
  } catch (error) {
    throw explainDatabaseError(error, runtime.db.location);
  } finally {
    await runtime.close();
  }
}

/** Only the database and the tenant source: for commands that need neither templates nor clusters. */
export async function withDatabase<T>(
  options: EnvironmentOptions,
  context: CliContext,
  fn: (db: Database, source: TenantSource, config: RuntimeConfig) => Promise<T>,
): Promise<T> {
  const config = cliConfig(options, context.localStack);
  const parts = new RuntimeParts(config, cliLog(process.stderr, false));
  try {
    return await fn(parts.db, parts.source, config);
  } catch (error) {
    throw explainDatabaseError(error, parts.db.location);
  } finally {
    await parts.close();
  }
}
