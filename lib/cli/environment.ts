import { defaultTemplatesDir, loadRuntimeConfig, type RuntimeConfig } from "../config.ts";
import { CliError } from "./exit-codes.ts";

/** Where the configuration comes from: the environment (as in Lambda), or the local stack. */
export interface EnvironmentOptions {
  /** Use the local stack's databases, queue and Secrets Manager, with the example tenants table. */
  local?: boolean;
  /** With the local stack: its MariaDB instead of its PostgreSQL (implies local). */
  mysql?: boolean;
  /** Template sets folder, over TENANT_SYNC_TEMPLATES_DIR. */
  templates?: string;
}

/**
 * The local stack of a checkout, as the dev tooling (infra/cli) hands it to the CLI. The product CLI has
 * none: it knows the local stack only through this interface, never through the stack's own code.
 */
export interface LocalStack {
  /** The file a stack brought up in this checkout writes (`.stack/stack.json`); named in messages. */
  stateFile(): string;
  /** Whether that file exists. */
  isUp(): boolean;
  /**
   * The environment the functions see on the stack, for its example tenants table (what `npm run dev`
   * gives them); it also points this process's AWS SDK at the stack's SQS and Secrets Manager.
   */
  functionEnv(database: "postgres" | "mysql"): NodeJS.ProcessEnv;
}

/**
 * The local stack is used when asked for, and by default when nothing else is configured: no
 * TENANT_SYNC_DATABASE_URL, but a stack brought up in this checkout (`npm run stack -- up`).
 */
export function usesLocalStack(
  options: EnvironmentOptions,
  localStack: LocalStack | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (options.local || options.mysql) return true;
  return !env.TENANT_SYNC_DATABASE_URL && localStack?.isUp() === true;
}

/** The environment the functions would see: this process's, or the local stack's (see LocalStack). */
export function cliEnvironment(
  options: EnvironmentOptions,
  localStack: LocalStack | undefined,
): NodeJS.ProcessEnv {
  if (!usesLocalStack(options, localStack)) return process.env;
  if (!localStack) {
    throw new CliError(
      "--local needs the local stack's tooling, which the installed tenant-sync does not carry: run " +
        "`npm run cli -- …` in a checkout, or set the TENANT_SYNC_* variables (`source .stack/env.sh`)",
    );
  }
  if (!localStack.isUp()) {
    throw new CliError(
      `--local needs the local stack, but ${localStack.stateFile()} is missing: run \`npm run stack -- up\` first`,
    );
  }
  return localStack.functionEnv(options.mysql ? "mysql" : "postgres");
}

/** The functions' configuration (lib/config.ts), with the CLI's --templates applied. */
export function cliConfig(options: EnvironmentOptions, localStack: LocalStack | undefined): RuntimeConfig {
  const env = cliEnvironment(options, localStack);
  if (!env.TENANT_SYNC_DATABASE_URL) {
    throw new CliError(
      "TENANT_SYNC_DATABASE_URL is not set and there is no local stack in this checkout; set it " +
        "(and the other TENANT_SYNC_* variables, see README.md), or run `npm run stack -- up` and use --local",
    );
  }
  const config = loadRuntimeConfig(env);
  return options.templates ? { ...config, templatesDir: options.templates } : config;
}

/** The template sets folder, for commands that need nothing else (no database URL required). */
export function cliTemplatesDir(options: EnvironmentOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (options.templates) return options.templates;
  return env.TENANT_SYNC_TEMPLATES_DIR || defaultTemplatesDir();
}
