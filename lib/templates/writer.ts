import Mustache from "mustache";
import { applyHelper, isHelperName } from "./helpers.ts";
import type { JsonValue } from "./json-value.ts";
import type { Scope } from "./scope.ts";
import { TemplateError } from "./template-error.ts";
import type { TokenTable } from "./tokens.ts";

/** mustache's parse tree: [type, name or text, start, end, children, sectionEnd]. */
export type Span = [
  type: string,
  value: string,
  start: number,
  end: number,
  children?: Span[],
  sectionEnd?: number,
];

/**
 * How sections are decided. `values` follows the view. The two trial modes check a template without a
 * tenant: every section taken (inverted ones skipped), or every inverted section taken (sections skipped).
 */
export type SectionMode = "values" | "trial-sections" | "trial-inverted";

export const TRIAL_VALUE = "sample";

export function parseTemplate(source: string): Span[] {
  return Mustache.parse(source) as unknown as Span[];
}

interface Mark {
  out: number;
  origin: number;
  exact: boolean;
}

/** Rendered text that remembers which template offset each part came from, for file:line in errors. */
export class Rendered {
  text = "";
  private readonly marks: Mark[] = [];

  append(text: string, origin: number, exact: boolean): void {
    if (text === "") return;
    this.marks.push({ out: this.text.length, origin, exact });
    this.text += text;
  }

  /** Template offset that produced the character at `offset` of the rendered text. */
  origin(offset: number): number {
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const mark = this.marks[i] as Mark;
      if (mark.out <= offset) return mark.exact ? mark.origin + (offset - mark.out) : mark.origin;
    }
    return 0;
  }
}

/**
 * Renders mustache's parse tree, writing a token from `table` for every {{variable}} instead of its value.
 * mustache's own Writer is not reused: it concatenates strings (losing where output came from), finds
 * inherited properties, turns missing variables into "", and has no way to refuse {{{x}}}.
 */
export class TokenWriter {
  private readonly table: TokenTable;
  private readonly mode: SectionMode;

  constructor(table: TokenTable, mode: SectionMode = "values") {
    this.table = table;
    this.mode = mode;
  }

  render(spans: readonly Span[], scope: Scope): Rendered {
    const out = new Rendered();
    this.renderInto(spans, scope, out);
    return out;
  }

  private renderInto(spans: readonly Span[], scope: Scope, out: Rendered): void {
    for (const span of spans) {
      const [type, name, start] = span;
      switch (type) {
        case "text":
          out.append(name, start, true);
          break;
        case "name":
          out.append(this.table.register(this.variable(span, scope)), start, false);
          break;
        case "#":
          if (isHelperName(name)) this.helper(span, scope, out);
          else this.section(span, scope, out);
          break;
        case "^":
          this.inverted(span, scope, out);
          break;
        case "&":
          throw new TemplateError(unsafeTagMessage(name), { offset: start });
        case ">":
          throw new TemplateError(`partial {{>${name}}} is not supported: templates are self-contained`, {
            offset: start,
          });
        default:
          // Comments and delimiter changes render nothing.
          break;
      }
    }
  }

  private variable(span: Span, scope: Scope): JsonValue {
    const [, name, start] = span;
    if (isHelperName(name)) {
      throw new TemplateError(`helper ${name} wraps text as a section: {{#${name}}}…{{/${name}}}`, {
        offset: start,
      });
    }
    if (this.mode !== "values") return TRIAL_VALUE;
    const hit = scope.lookup(name);
    if (!hit.found)
      throw new TemplateError(`variable "${name}" is not defined`, { offset: start, variable: name });
    return hit.value;
  }

  private section(span: Span, scope: Scope, out: Rendered): void {
    const [, name, start, , children = []] = span;
    if (this.mode === "trial-sections") {
      this.renderInto(children, scope, out);
      return;
    }
    if (this.mode === "trial-inverted") return;
    const value = sectionValue(name, start, scope);
    // mustache's rules: falsy values and empty lists skip, lists repeat, other values become the context.
    if (!value) return;
    if (Array.isArray(value)) {
      for (const item of value) this.renderInto(children, scope.push(item), out);
    } else if (value === true) {
      this.renderInto(children, scope, out);
    } else {
      this.renderInto(children, scope.push(value), out);
    }
  }

  private inverted(span: Span, scope: Scope, out: Rendered): void {
    const [, name, start, , children = []] = span;
    if (isHelperName(name)) {
      throw new TemplateError(`helper ${name} cannot be used as an inverted section {{^${name}}}`, {
        offset: start,
      });
    }
    if (this.mode === "trial-inverted") {
      this.renderInto(children, scope, out);
      return;
    }
    if (this.mode === "trial-sections") return;
    const value = sectionValue(name, start, scope);
    if (!value || (Array.isArray(value) && value.length === 0)) this.renderInto(children, scope, out);
  }

  /** A helper renders its inner text, reads it with the real values, and stands for the result by a token. */
  private helper(span: Span, scope: Scope, out: Rendered): void {
    const [, name, start, , children = []] = span;
    const inner = new Rendered();
    this.renderInto(children, scope, inner);
    const exact = this.table.exact(inner.text);
    const text = this.table.resolve(inner.text);
    let result: string;
    try {
      result = applyHelper(name, { text, value: exact ? exact.value : text });
    } catch (error) {
      throw new TemplateError((error as Error).message, { offset: start });
    }
    out.append(this.table.register(result), start, false);
  }
}

/**
 * A section's value. A key missing inside a present object ({{#settings.beta}} when settings has no beta)
 * is false, so JSON columns can have optional keys; a missing column is an error, so a misspelt section
 * name does not silently drop part of every tenant's object.
 */
function sectionValue(name: string, start: number, scope: Scope): JsonValue {
  const hit = scope.lookup(name);
  if (hit.found) return hit.value;
  const dot = name.indexOf(".");
  if (dot > 0 && scope.lookup(name.slice(0, dot)).found) return null;
  throw new TemplateError(`variable "${name}" is not defined`, { offset: start, variable: name });
}

export function unsafeTagMessage(name: string): string {
  return (
    `unescaped tag {{{${name}}}} / {{&${name}}} is not allowed: it would paste the value into the YAML text; ` +
    `use {{${name}}}, which keeps the value as data`
  );
}
