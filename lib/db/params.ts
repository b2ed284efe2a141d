/**
 * Collects bound values while SQL text is built and returns the placeholder of each, `$1, $2…`, which both
 * dialects accept (see mysql-placeholders.ts). Useful for variable-length lists, where numbering by hand is
 * error-prone:
 *
 *   const p = new SqlParams();
 *   await db.query(`SELECT * FROM t WHERE a = ${p.add(a)} AND b IN (${bs.map((b) => p.add(b)).join(", ")})`, p.values);
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** `($1, $2, $3)` for one row of a multi-row VALUES list. */
  row(values: readonly unknown[]): string {
    return `(${values.map((value) => this.add(value)).join(", ")})`;
  }
}
