import { ConfigError } from "../config.ts";
import { formatProblem, type LoadProblem, TemplateSetError } from "../templates/load-problem.ts";
import { CliError, EXIT, type ExitCode } from "./exit-codes.ts";
import { type CliIo, writeJson, writeLines } from "./io.ts";

/** A template or configuration problem in JSON: `line` is null when the problem is about a whole file. */
export interface ProblemJson {
  file: string;
  line: number | null;
  message: string;
}

export const problemJson = (problem: LoadProblem): ProblemJson => ({
  file: problem.file,
  line: problem.line ?? null,
  message: problem.message,
});

/** The JSON every command prints on stdout instead of its result when it fails (with --json). */
export interface ErrorOutput {
  error: { message: string; exitCode: ExitCode; problems: ProblemJson[] };
}

/**
 * Reports a command's failure and returns its exit code. Template set problems keep their `file:line:
 * message` form and exit 2; anything else is one line naming the command. Stack traces are left out: every
 * error in tenant-sync names what is wrong and where.
 */
export function reportError(io: CliIo, command: string, error: unknown, json: boolean): ExitCode {
  const problems = error instanceof TemplateSetError ? [...error.problems] : [];
  const exitCode: ExitCode =
    error instanceof TemplateSetError
      ? EXIT.problems
      : error instanceof CliError
        ? error.exitCode
        : EXIT.error;
  const message =
    error instanceof Error
      ? error instanceof ConfigError || error instanceof CliError || error instanceof TemplateSetError
        ? error.message
        : describeUnexpected(error)
      : String(error);
  if (problems.length > 0) {
    writeLines(io.stderr, problems.map(formatProblem));
    io.stderr.write(`tenant-sync ${command}: the template sets have ${problems.length} problem(s)\n`);
  } else {
    io.stderr.write(`tenant-sync ${command}: ${message}\n`);
  }
  if (json) {
    writeJson(io, {
      error: { message, exitCode, problems: problems.map(problemJson) },
    } satisfies ErrorOutput);
  }
  return exitCode;
}

/** Errors from libraries (drivers, SDKs) sometimes carry the useful part in a code, a cause or inner errors. */
function describeUnexpected(error: Error): string {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map((inner) => (inner as Error)?.message ?? String(inner)).join("; ");
  }
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  let text = error.message || error.name;
  if (typeof code === "string" && !text.includes(code)) text += ` (${code})`;
  if (cause instanceof Error && cause.message && !text.includes(cause.message)) text += `: ${cause.message}`;
  return text;
}
