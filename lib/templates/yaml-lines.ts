import { type Document, isMap, isScalar, isSeq, type LineCounter } from "yaml";

/**
 * Line of the node at `path` in a parsed manifest, or of its nearest existing ancestor (a missing field is
 * reported where its parent is). With `key`, the line of that key in the mapping at `path`.
 */
export function lineOf(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  key?: string,
): number | undefined {
  let node: unknown = doc.contents;
  let offset = startOf(node);
  const steps = key === undefined ? path : [...path, key];
  for (const [index, segment] of steps.entries()) {
    const isKeyStep = key !== undefined && index === steps.length - 1;
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
      if (!pair) break;
      next = isKeyStep || pair.value === null ? pair.key : pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment];
    }
    const start = startOf(next);
    if (start === undefined) break;
    node = next;
    offset = start;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function startOf(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
}
