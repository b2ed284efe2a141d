import { TenantSyncError } from "../errors.ts";
/**
 * Kubernetes label selectors (the `labelSelector` query parameter), read and evaluated here, for code that
 * must judge objects the API server never sees (rendered objects, inventory rows) exactly as it would judge
 * the listed ones. The grammar is the API server's (k8s.io/apimachinery/pkg/labels.Parse): requirements
 * separated by commas, each `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`,
 * `key notin (a,b)`, `key>1` or `key<1`.
 */

export type LabelOperator = "exists" | "!exists" | "in" | "notin" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: readonly string[];
}

export class LabelSelectorError extends TenantSyncError {
  constructor(message: string) {
    super(message);
    this.name = "LabelSelectorError";
  }
}

/** Characters that end a key or value (the API server's lexer splits on them and on whitespace). */
const SPECIAL = new Set(["!", "=", "(", ")", ",", "<", ">"]);

/** Reads a selector; throws LabelSelectorError naming the position. An empty selector selects everything. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const tokens = tokenize(text);
  const requirements: LabelRequirement[] = [];
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];
  const fail = (expected: string): never => {
    const found = peek();
    throw new LabelSelectorError(
      `expected ${expected}, found ${found === undefined ? "the end" : `"${found}"`}`,
    );
  };
  const identifier = (what: string): string => {
    const token = peek();
    if (token === undefined || isSymbol(token) || token === "in" || token === "notin") return fail(what);
    at++;
    return token;
  };
  if (tokens.length === 0) return requirements;
  for (;;) {
    if (peek() === "!") {
      next();
      requirements.push({ key: identifier("a label key after !"), operator: "!exists", values: [] });
    } else {
      const key = identifier("a label key");
      const operator = peek();
      if (operator === undefined || operator === ",") {
        requirements.push({ key, operator: "exists", values: [] });
      } else if (operator === "=" || operator === "==" || operator === "!=") {
        next();
        const value = peek() === undefined || peek() === "," ? "" : identifier("a value");
        requirements.push({ key, operator: operator === "!=" ? "notin" : "in", values: [value] });
      } else if (operator === "in" || operator === "notin") {
        next();
        if (next() !== "(") fail(`( after ${operator}`);
        const values: string[] = [];
        for (;;) {
          values.push(peek() === "," || peek() === ")" ? "" : identifier("a value"));
          const separator = next();
          if (separator === ")") break;
          if (separator !== ",") {
            at--;
            fail(", or )");
          }
        }
        requirements.push({ key, operator, values });
      } else if (operator === ">" || operator === "<") {
        next();
        const value = identifier("a number");
        if (!/^-?\d+$/.test(value))
          throw new LabelSelectorError(`"${value}" after ${operator} is not an integer`);
        requirements.push({ key, operator: operator === ">" ? "gt" : "lt", values: [value] });
      } else {
        fail("an operator (=, ==, !=, in, notin, <, >) or ,");
      }
    }
    if (peek() === undefined) return requirements;
    if (next() !== ",") {
      at--;
      fail(",");
    }
  }
}

/** Whether labels satisfy every requirement. */
export function labelsMatch(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>>,
) {
  return requirements.every((r) => requirementHolds(r, labels));
}

/** Whether one requirement holds for labels (a key the labels lack counts as absent). */
export function requirementHolds(requirement: LabelRequirement, labels: Readonly<Record<string, string>>) {
  const has = Object.hasOwn(labels, requirement.key);
  const value = has ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case "exists":
      return has;
    case "!exists":
      return !has;
    case "in":
      return value !== undefined && requirement.values.includes(value);
    case "notin":
      return value === undefined || !requirement.values.includes(value);
    case "gt":
    case "lt": {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const limit = Number(requirement.values[0]);
      return requirement.operator === "gt" ? Number(value) > limit : Number(value) < limit;
    }
  }
}

function isSymbol(token: string): boolean {
  return SPECIAL.has(token[0] as string);
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (SPECIAL.has(c)) {
      // `==` and `!=` are one token each; a lone `!` negates the key that follows.
      const two = text.slice(i, i + 2);
      if (two === "==" || two === "!=") {
        tokens.push(two);
        i += 2;
      } else {
        tokens.push(c);
        i++;
      }
    } else {
      let end = i;
      while (end < text.length && !SPECIAL.has(text[end] as string) && !/\s/.test(text[end] as string)) end++;
      tokens.push(text.slice(i, end));
      i = end;
    }
  }
  return tokens;
}
