/** Tees this process's stdout and stderr into a file of its own under `dir` (see capture.mjs). */
export function captureOutput(dir: string | undefined): void;
