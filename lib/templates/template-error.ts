import { TenantSyncError } from "../errors.ts";

/**
 * A problem inside one template, located by character offset in the template source so the caller can
 * turn it into file:line. `path` is the field of the rendered object, when the problem is about one.
 */
export class TemplateError extends TenantSyncError {
  readonly offset: number | undefined;
  readonly path: string | undefined;
  readonly variable: string | undefined;

  constructor(message: string, where: { offset?: number; path?: string; variable?: string } = {}) {
    super(message, where.path === undefined ? {} : { field: where.path });
    this.name = "TemplateError";
    this.offset = where.offset;
    this.path = where.path;
    this.variable = where.variable;
  }
}

/** 1-based line of a character offset. */
export function lineAt(source: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}
