import { z } from "zod";
import { ConfigError } from "./errors.ts";

/** One `path: message` per issue; `root` stands for the path of an issue about the whole input. */
export function issueLines(error: z.ZodError, root = ""): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || root}: ${issue.message}`);
}

/** The settings the issues are about, in order and once each (`field` of the ConfigError). */
function settingsAt(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.path.join(".")).filter(Boolean))].join(", ");
}

/**
 * Settings read through a zod schema. Anything wrong is one ConfigError: `invalid <what>:` and then
 * z.prettifyError's list, which names each setting at fault, so every problem is fixed in one go.
 */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const field = settingsAt(parsed.error);
  throw new ConfigError(`invalid ${what}:\n${z.prettifyError(parsed.error)}`, field ? { field } : {});
}
