import { TenantSyncError } from "../errors.ts";
/**
 * What every command's exit code means, so scripts can branch on it (documented in docs/cli.md). When
 * several apply, the lowest non-zero one wins: an error hides problems, problems hide differences.
 */
export const EXIT = {
  /** Done; nothing to report. */
  ok: 0,
  /** The command could not do its job: bad usage, unknown tenant, unreachable database or cluster. */
  error: 1,
  /** Validation problems: a template set that does not load, a tenant that does not render. */
  problems: 2,
  /** The answer is "no": a tenant not Ready, differences between the templates and the cluster. */
  notReady: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The most important of several exit codes (see EXIT). */
export function worstExit(...codes: readonly ExitCode[]): ExitCode {
  const failing = codes.filter((code) => code !== EXIT.ok);
  return failing.length === 0 ? EXIT.ok : (Math.min(...failing) as ExitCode);
}

/** A failure a person can fix from its message alone: printed as is, without a stack trace. */
export class CliError extends TenantSyncError {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = EXIT.error) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
