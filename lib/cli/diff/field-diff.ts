/** One field that differs: added, removed, or changed from `before` to `after`. */
export interface FieldChange {
  /** `spec.template.spec.containers[name=web].image`, `data["app.conf"]`, `spec.ports[0].port`. */
  path: string;
  op: "add" | "remove" | "change";
  before?: unknown;
  after?: unknown;
}

type Json = unknown;
const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (path: string, name: string) =>
  IDENTIFIER.test(name) ? (path ? `${path}.${name}` : name) : `${path}[${JSON.stringify(name)}]`;

/**
 * Lists of objects that all have a distinct string `name` (containers, ports, env, volumes) are matched by
 * name, as Kubernetes merges them, so inserting an item shows one addition instead of every later item
 * changing. Other lists are compared by position.
 */
function namedItems(list: readonly Json[]): Map<string, Json> | undefined {
  const byName = new Map<string, Json>();
  for (const item of list) {
    if (!isObject(item) || typeof item.name !== "string" || byName.has(item.name)) return undefined;
    byName.set(item.name, item);
  }
  return byName;
}

function diffLists(path: string, before: readonly Json[], after: readonly Json[], out: FieldChange[]): void {
  const left = namedItems(before);
  const right = namedItems(after);
  if (left && right && before.length > 0 && after.length > 0) {
    for (const [name, item] of left) {
      const at = `${path}[name=${name}]`;
      if (right.has(name)) diffValues(at, item, right.get(name), out);
      else out.push({ path: at, op: "remove", before: item });
    }
    for (const [name, item] of right) {
      if (!left.has(name)) out.push({ path: `${path}[name=${name}]`, op: "add", after: item });
    }
    return;
  }
  const length = Math.max(before.length, after.length);
  for (let index = 0; index < length; index++) {
    const at = `${path}[${index}]`;
    if (index >= before.length) out.push({ path: at, op: "add", after: after[index] });
    else if (index >= after.length) out.push({ path: at, op: "remove", before: before[index] });
    else diffValues(at, before[index], after[index], out);
  }
}

function diffValues(path: string, before: Json, after: Json, out: FieldChange[]): void {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const name of keys) {
      const at = key(path, name);
      if (!(name in after)) out.push({ path: at, op: "remove", before: before[name] });
      else if (!(name in before)) out.push({ path: at, op: "add", after: after[name] });
      else diffValues(at, before[name], after[name], out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffLists(path, before, after, out);
    return;
  }
  if (!sameValue(before, after)) out.push({ path, op: "change", before, after });
}

function sameValue(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every leaf-level difference from `before` to `after` (JSON values), in a stable order. */
export function fieldDiff(before: Json, after: Json): FieldChange[] {
  const out: FieldChange[] = [];
  diffValues("", before, after, out);
  return out;
}

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/** `~ data.plan: "basic" -> "pro"`, `+ data.note: "x"`, `- data.old: "y"`. */
export function formatFieldChange(change: FieldChange): string {
  if (change.op === "add") return `+ ${change.path}: ${show(change.after)}`;
  if (change.op === "remove") return `- ${change.path}: ${show(change.before)}`;
  return `~ ${change.path}: ${show(change.before)} -> ${show(change.after)}`;
}
