import { randomBytes } from "node:crypto";
import { type JsonValue, stringForm } from "./json-value.ts";

/**
 * Stands in for values while a template is rendered as text and parsed as YAML. Tokens are plain
 * [a-z0-9] words, so YAML reads each one as an ordinary scalar wherever it lands; the real values are put
 * back into the parsed tree afterwards and are never parsed themselves. The nonce is random per render so a
 * value or template text cannot spell a token by accident or on purpose.
 */
export class TokenTable {
  readonly prefix: string;
  private readonly values: JsonValue[] = [];
  private readonly anyToken: RegExp;
  private readonly wholeToken: RegExp;

  constructor(nonce = randomNonce()) {
    if (!/^[a-z0-9]+$/.test(nonce)) throw new Error("token nonce must be [a-z0-9]+");
    this.prefix = `tsv${nonce}x`;
    this.anyToken = new RegExp(`${this.prefix}(\\d+)x`, "g");
    this.wholeToken = new RegExp(`^${this.prefix}(\\d+)x$`);
  }

  register(value: JsonValue): string {
    this.values.push(value);
    return `${this.prefix}${this.values.length - 1}x`;
  }

  /** The value when `text` is exactly one token, so it can keep its type. */
  exact(text: string): { value: JsonValue } | undefined {
    const match = this.wholeToken.exec(text);
    return match ? { value: this.valueAt(match[1]) } : undefined;
  }

  contains(text: string): boolean {
    return text.includes(this.prefix);
  }

  /** Replaces every token by its value's string form, in one pass: substituted text is never rescanned. */
  resolve(text: string): string {
    if (!this.contains(text)) return text;
    return text.replace(this.anyToken, (_whole, index: string) => stringForm(this.valueAt(index)));
  }

  private valueAt(index: string | undefined): JsonValue {
    const value = this.values[Number(index)];
    if (value === undefined) throw new Error(`internal: unknown placeholder token #${index}`);
    return value;
  }
}

function randomNonce(): string {
  return randomBytes(8).readBigUInt64BE().toString(36);
}
