import fs from "node:fs";
import { localFunctionEnv } from "../../infra/dev/local-env.ts";
import { loadStackConfig } from "../../infra/stack/config.ts";
import { stackInfoPath } from "../../infra/stack/stack-info.ts";
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

const localStackFile = () => stackInfoPath(loadStackConfig().stateDir);

/**
 * The local stack is used when asked for, and by default when nothing else is configured: no
 * TENANT_SYNC_DATABASE_URL, but a stack brought up in this checkout (`npm run stack -- up`).
 */
export function usesLocalStack(options: EnvironmentOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  if (options.local || options.mysql) return true;
  return !env.TENANT_SYNC_DATABASE_URL && fs.existsSync(localStackFile());
}

/**
 * The environment the functions would see. The local stack's is the one `npm run dev` gives them; it also
 * points this process's AWS SDK at the stack's SQS and Secrets Manager.
 */
export function cliEnvironment(options: EnvironmentOptions): NodeJS.ProcessEnv {
  if (!usesLocalStack(options)) return process.env;
  if (!fs.existsSync(localStackFile())) {
    throw new CliError(
      `--local needs the local stack, but ${localStackFile()} is missing: run \`npm run stack -- up\` first`,
    );
  }
  return localFunctionEnv(options.mysql ? "mysql" : "postgres");
}

/** The functions' configuration (lib/config.ts), with the CLI's --templates applied. */
export function cliConfig(options: EnvironmentOptions): RuntimeConfig {
  const env = cliEnvironment(options);
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
