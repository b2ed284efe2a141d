/** Dotted field paths such as `spec.replicas` (no array indices), used by the ignoreFields policy. */
export function splitPath(path: string): string[] {
  return path.split(".").filter((part) => part.length > 0);
}

export function getPath(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const part of splitPath(path)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A deep copy of `object` without the given paths; parents left empty by the removal are kept. */
export function withoutPaths<T>(object: T, paths: readonly string[]): T {
  const copy = structuredClone(object);
  for (const path of paths) {
    const parts = splitPath(path);
    let parent: unknown = copy;
    for (const part of parts.slice(0, -1)) {
      if (parent === null || typeof parent !== "object") break;
      parent = (parent as Record<string, unknown>)[part];
    }
    const last = parts.at(-1);
    if (last !== undefined && parent !== null && typeof parent === "object") {
      delete (parent as Record<string, unknown>)[last];
    }
  }
  return copy;
}

/** Only the identity of `object` plus the given paths: what a second field manager seeds at creation. */
export function onlyPaths(
  object: Record<string, unknown>,
  paths: readonly string[],
): Record<string, unknown> {
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  const result: Record<string, unknown> = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}) },
  };
  for (const path of paths) {
    const value = getPath(object, path);
    if (value === undefined) continue;
    const parts = splitPath(path);
    let target = result;
    for (const part of parts.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[parts.at(-1) as string] = structuredClone(value);
  }
  return result;
}
