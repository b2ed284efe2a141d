import type { Command } from "commander";
import { formatProblem } from "../../templates/load-problem.ts";
import { action, type CliContext } from "../context.ts";
import { cliEnvironment, cliTemplatesDir, type EnvironmentOptions } from "../environment.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { writeJson, writeLines } from "../io.ts";
import { jsonOption, stackOptions, templatesOption } from "../options.ts";
import { problemJson } from "../report-error.ts";
import { ENVIRONMENT, validate } from "../validate/validate.ts";

interface ValidateOptions extends EnvironmentOptions {
  json?: boolean;
  templatesOnly?: boolean;
  connect?: boolean;
}

export function registerValidate(program: Command, context: CliContext): void {
  const command = program
    .command("validate")
    .description("check the template sets and the configuration; prints each problem as file:line: message")
    .option("--templates-only", "check the template sets only, not the environment")
    .option("--connect", "also connect to the database: the tenants table, its columns, the migrations");
  jsonOption(stackOptions(templatesOption(command))).action(
    action<ValidateOptions>(context, async (_args, options) => {
      let env: NodeJS.ProcessEnv | undefined;
      const early: string[] = [];
      if (!options.templatesOnly) {
        try {
          env = cliEnvironment(options, context.localStack);
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          early.push(`${ENVIRONMENT}: ${error.message}`);
        }
      }
      const report = await validate({
        templatesDir: cliTemplatesDir(options, env),
        env,
        connect: options.connect === true,
      });
      const problems = [
        ...early.map((message) => ({ file: ENVIRONMENT, line: undefined, message })),
        ...report.problems,
      ];
      if (options.json) {
        writeJson(context.io, { ...report, ok: problems.length === 0, problems: problems.map(problemJson) });
      } else {
        writeLines(context.io.stdout, problems.map(formatProblem));
        const sets = report.sets.map((set) => `${set.name} (${set.version})`).join(", ") || "none";
        context.io.stdout.write(
          problems.length === 0
            ? `ok: template sets in ${report.templatesDir}: ${sets}${env ? "; configuration valid" : ""}\n`
            : `${problems.length} problem(s) found\n`,
        );
      }
      return problems.length === 0 ? EXIT.ok : EXIT.problems;
    }),
  );
}
