import { isHelperName } from "./helpers.ts";
import { renderTemplateObject, renderText } from "./render.ts";
import { TemplateError } from "./template-error.ts";
import { checkObjectShape } from "./validate-object.ts";
import { parseTemplate, type SectionMode, type Span, unsafeTagMessage } from "./writer.ts";

export interface TemplateProblem {
  /** Character offset in the template source, when known. */
  offset: number | undefined;
  message: string;
}

/**
 * Checks a resource template without a tenant: it must parse as mustache, use only safe tags, and render,
 * with placeholder values, to one YAML document with apiVersion, kind and metadata.name. It is rendered twice,
 * once with every {{#section}} taken and once with every {{^section}} taken, so both branches are checked.
 */
export function checkResourceTemplate(source: string): TemplateProblem[] {
  const parsed = parseChecked(source);
  if (!Array.isArray(parsed)) return [parsed];
  const problems = staticProblems(parsed);
  if (problems.length > 0) return problems;

  if (!hasSections(parsed)) return trialProblems(source, "trial-sections");
  // A problem seen in both passes is reported once, without saying which sections were on.
  const on = trialProblems(source, "trial-sections");
  const off = trialProblems(source, "trial-inverted");
  const key = (problem: TemplateProblem) => `${problem.offset}:${problem.message}`;
  const inOn = new Set(on.map(key));
  const inOff = new Set(off.map(key));
  return [
    ...on.map((problem) =>
      inOff.has(key(problem)) ? problem : suffixed(problem, " (with every section on)"),
    ),
    ...off
      .filter((problem) => !inOn.has(key(problem)))
      .map((problem) => suffixed(problem, " (with every section off)")),
  ];
}

function trialProblems(source: string, mode: SectionMode): TemplateProblem[] {
  try {
    const { object, offsetOf } = renderTemplateObject(source, {}, mode);
    return checkObjectShape(object).map((problem) => ({
      // A missing field has no node of its own: point at its parent, or the top of the file.
      offset: offsetOf(problem.path) ?? offsetOf(problem.path.slice(0, -1)) ?? 0,
      message: problem.message,
    }));
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return [
      { offset: error.offset, message: error.path ? `${error.path}: ${error.message}` : error.message },
    ];
  }
}

function suffixed(problem: TemplateProblem, suffix: string): TemplateProblem {
  return { offset: problem.offset, message: `${problem.message}${suffix}` };
}

/** Checks the manifest's default namespace template: mustache, safe tags, and no {{namespace}} in itself. */
export function checkNamespaceTemplate(source: string): TemplateProblem[] {
  const parsed = parseChecked(source);
  if (!Array.isArray(parsed)) return [parsed];
  const problems = staticProblems(parsed);
  walk(parsed, (span) => {
    if (span[0] === "name" && span[1] === "namespace") {
      problems.push({
        offset: span[2],
        message: "the namespace template cannot use {{namespace}}, its own result",
      });
    }
  });
  if (problems.length === 0) {
    try {
      renderText(source, {}, "trial-sections");
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      problems.push({ offset: error.offset, message: error.message });
    }
  }
  return problems;
}

function parseChecked(source: string): Span[] | TemplateProblem {
  try {
    return parseTemplate(source);
  } catch (error) {
    // mustache says e.g. `Unclosed section "x" at 120`; the offset becomes the line.
    // A tag name can span lines ("{{#a" never closed): match across them, and keep the problem on one line.
    const message = (error as Error).message.replace(/\r?\n/g, "\\n");
    const match = /^(.*) at (\d+)$/s.exec(message);
    return match
      ? { offset: Number(match[2]), message: `mustache: ${match[1]}` }
      : { offset: undefined, message: `mustache: ${message}` };
  }
}

function staticProblems(spans: readonly Span[]): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  walk(spans, ([type, name, start]) => {
    if (type === "&") problems.push({ offset: start, message: unsafeTagMessage(name) });
    else if (type === ">") problems.push({ offset: start, message: `partial {{>${name}}} is not supported` });
    else if (type === "name" && isHelperName(name)) {
      problems.push({
        offset: start,
        message: `helper ${name} wraps text as a section: {{#${name}}}…{{/${name}}}`,
      });
    } else if (type === "^" && isHelperName(name)) {
      problems.push({ offset: start, message: `helper ${name} cannot be used as an inverted section` });
    }
  });
  return problems;
}

function walk(spans: readonly Span[], visit: (span: Span) => void): void {
  for (const span of spans) {
    visit(span);
    if (Array.isArray(span[4])) walk(span[4], visit);
  }
}

function hasSections(spans: readonly Span[]): boolean {
  let found = false;
  walk(spans, ([type, name]) => {
    if ((type === "#" && !isHelperName(name)) || type === "^") found = true;
  });
  return found;
}
