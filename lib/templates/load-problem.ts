import { TenantSyncError } from "../errors.ts";
/** One thing wrong in a template set, located so a person can open the file at that line. */
export interface LoadProblem {
  file: string;
  line: number | undefined;
  message: string;
}

export function formatProblem(problem: LoadProblem): string {
  return problem.line === undefined
    ? `${problem.file}: ${problem.message}`
    : `${problem.file}:${problem.line}: ${problem.message}`;
}

/** Every problem found while loading, reported together so one run shows everything to fix. */
export class TemplateSetError extends TenantSyncError {
  readonly problems: readonly LoadProblem[];

  constructor(problems: readonly LoadProblem[]) {
    const sorted = sortProblems(problems);
    const count = sorted.length === 1 ? "1 problem" : `${sorted.length} problems`;
    super(
      `template sets have ${count}:\n${sorted.map((problem) => `  ${formatProblem(problem)}`).join("\n")}`,
    );
    this.name = "TemplateSetError";
    this.problems = sorted;
  }
}

function sortProblems(problems: readonly LoadProblem[]): LoadProblem[] {
  const seen = new Set<string>();
  return [...problems]
    .sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) : a.file < b.file ? -1 : 1))
    .filter((problem) => {
      const key = formatProblem(problem);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
