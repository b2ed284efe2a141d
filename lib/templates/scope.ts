import type { JsonValue } from "./json-value.ts";

export type Lookup = { found: true; value: JsonValue } | { found: false };

/**
 * Mustache's context stack with one difference: only own properties are found. mustache's Context uses `in`,
 * which would find `constructor` or `toString` on any object and call them.
 */
export class Scope {
  private readonly view: JsonValue;
  private readonly parent: Scope | undefined;

  constructor(view: JsonValue, parent?: Scope) {
    this.view = view;
    this.parent = parent;
  }

  push(view: JsonValue): Scope {
    return new Scope(view, this);
  }

  lookup(name: string): Lookup {
    if (name === ".") return { found: true, value: this.view };
    const path = name.split(".");
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      const hit = descend(scope.view, path);
      if (hit.found) return hit;
    }
    return { found: false };
  }
}

function descend(root: JsonValue, path: readonly string[]): Lookup {
  let current: JsonValue = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key))
      return { found: false };
    const next: JsonValue | undefined = (current as Record<string, JsonValue>)[key];
    if (next === undefined) return { found: false };
    current = next;
  }
  return { found: true, value: current };
}
