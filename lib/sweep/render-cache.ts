import { createHash } from "node:crypto";

/**
 * What rendering one tenant's set produced, kept between runs of one process (a warm Lambda container, the
 * local runner): rendering is the sweep's largest cost, and a row that did not change renders the same.
 * The key covers all a render depends on: the set's version (its text), the cluster (REST mappings) and every
 * value of the row. Each run keeps only what it used, so the cache never outgrows the fleet.
 */
export class RenderCache<T> {
  private previous = new Map<string, { digest: string; value: T }>();
  private current = new Map<string, { digest: string; value: T }>();

  get(key: string, digest: string): T | undefined {
    const entry = this.current.get(key) ?? this.previous.get(key);
    if (!entry || entry.digest !== digest) return undefined;
    this.current.set(key, entry);
    return entry.value;
  }

  set(key: string, digest: string, value: T): void {
    this.current.set(key, { digest, value });
  }

  /** Ends a run: entries not used by it are dropped. */
  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  get size(): number {
    return this.previous.size + this.current.size;
  }
}

/**
 * A digest of one tenant's row and cluster: with a set's version, all that set's render depends on. BigInts
 * are written as text; Dates and other values as JSON writes them.
 */
export function rowDigest(cluster: string, row: Readonly<Record<string, unknown>>): string {
  const text = JSON.stringify(row, (_key, value: unknown) =>
    typeof value === "bigint" ? `${value}n` : value,
  );
  return createHash("sha256").update(`${cluster}\u0000${text}`).digest("base64");
}
