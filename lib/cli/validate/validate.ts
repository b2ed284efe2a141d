import { loadRuntimeConfig, runtimeConfigProblems } from "../../config.ts";
import { RuntimeParts } from "../../runtime/parts.ts";
import { type LoadProblem, TemplateSetError } from "../../templates/load-problem.ts";
import { loadTemplateSets } from "../../templates/loader.ts";
import type { TemplateSet } from "../../templates/model.ts";
import { cliLog } from "../log.ts";

export interface ValidationInput {
  templatesDir: string;
  /** The functions' environment to check; undefined checks the templates only. */
  env: NodeJS.ProcessEnv | undefined;
  /** Also connect to the database: the tenants table, its columns and the migrations. */
  connect: boolean;
}

export interface ValidationReport {
  ok: boolean;
  templatesDir: string;
  sets: { name: string; version: string; resources: number }[];
  problems: LoadProblem[];
}

/** Where configuration problems are reported, in place of a file name. */
export const ENVIRONMENT = "environment";
export const DATABASE = "database";

/** Loads every template set and checks the configuration; collects every problem instead of stopping. */
export async function validate(input: ValidationInput): Promise<ValidationReport> {
  const problems: LoadProblem[] = [];
  let sets: TemplateSet[] = [];
  try {
    sets = await loadTemplateSets(input.templatesDir);
  } catch (error) {
    if (!(error instanceof TemplateSetError)) throw error;
    problems.push(...error.problems);
  }
  if (input.env) {
    const configProblems = checkEnvironment(input.env);
    problems.push(...configProblems);
    if (input.connect && configProblems.length === 0) problems.push(...(await checkDatabase(input.env)));
  }
  return {
    ok: problems.length === 0,
    templatesDir: input.templatesDir,
    sets: sets.map((set) => ({ name: set.name, version: set.version, resources: set.resources.length })),
    problems,
  };
}

function checkEnvironment(env: NodeJS.ProcessEnv): LoadProblem[] {
  const problem = (message: string): LoadProblem => ({ file: ENVIRONMENT, line: undefined, message });
  if (!env.TENANT_SYNC_DATABASE_URL) {
    return [
      problem(
        "TENANT_SYNC_DATABASE_URL: not set (and no local stack in this checkout to default to); " +
          "use --templates-only to check the template sets alone",
      ),
    ];
  }
  return runtimeConfigProblems(env).map(problem);
}

/** The tenants table and its configured columns exist, and the migrations have created the status table. */
async function checkDatabase(env: NodeJS.ProcessEnv): Promise<LoadProblem[]> {
  const parts = new RuntimeParts({ ...loadRuntimeConfig(env), dbPoolSize: 1 }, cliLog(process.stderr, false));
  const db = parts.db;
  const problems: LoadProblem[] = [];
  const problem = (message: string) => problems.push({ file: DATABASE, line: undefined, message });
  try {
    await parts.source.countTenants().catch((error: Error) => problem(error.message));
    await db
      .query("SELECT COUNT(*) AS count FROM tenant_sync_status")
      .catch((error: Error) =>
        problem(
          `tenant_sync_status cannot be read on ${db.location} (have the migrations run?): ${error.message}`,
        ),
      );
  } finally {
    await parts.close();
  }
  return problems;
}
