import { randomBytes } from "node:crypto";
import { type JsonValue, stringForm } from "./json-value.ts";

const TOKEN_PREFIX = `tsv${randomBytes(8).readBigUInt64BE().toString(36)}x`;
// Shared by every table; replace() resets the global pattern's lastIndex.
const ANY_TOKEN = new RegExp(`${TOKEN_PREFIX}(\\d+)x`, "g");
const WHOLE_TOKEN = new RegExp(`^${TOKEN_PREFIX}(\\d+)x$`);

/**
 * Stands in for values while a template is rendered as text and parsed as YAML. Tokens are plain
 * [a-z0-9] words, so YAML reads each one as an ordinary scalar wherever it lands; the real values are put
 * back into the parsed tree afterwards and are never parsed themselves. Values never reach the text, and the
 * nonce is random per process, so a template (written before the process started) cannot spell a token by
 * accident or on purpose. One nonce for the process makes two tenants' renders of the same template the same
 * text when only their values differ, which lets the YAML parse be reused (substitute.ts).
 */
export class TokenTable {
  readonly prefix = TOKEN_PREFIX;
  private readonly values: JsonValue[] = [];

  register(value: JsonValue): string {
    this.values.push(value);
    return `${this.prefix}${this.values.length - 1}x`;
  }

  /** The value when `text` is exactly one token, so it can keep its type. */
  exact(text: string): { value: JsonValue } | undefined {
    const match = WHOLE_TOKEN.exec(text);
    return match ? { value: this.valueAt(match[1]) } : undefined;
  }

  contains(text: string): boolean {
    return text.includes(this.prefix);
  }

  /** Replaces every token by its value's string form, in one pass: substituted text is never rescanned. */
  resolve(text: string): string {
    if (!this.contains(text)) return text;
    return text.replace(ANY_TOKEN, (_whole, index: string) => stringForm(this.valueAt(index)));
  }

  private valueAt(index: string | undefined): JsonValue {
    const value = this.values[Number(index)];
    // Internal invariant, plain Error: tokens are only made by this class, so no template can name a missing one.
    if (value === undefined) throw new Error(`internal: unknown placeholder token #${index}`);
    return value;
  }
}
