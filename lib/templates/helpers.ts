import { TenantSyncError } from "../errors.ts";
import { canonicalJson, sha256Hex } from "./canonical.ts";
import type { JsonValue } from "./json-value.ts";
import { DNS_LABEL_MAX, DNS_SUBDOMAIN_MAX } from "./k8s-names.ts";

/** What a helper section received: its rendered text, and the typed value when the text was one variable. */
export interface HelperInput {
  text: string;
  value: JsonValue;
}

interface Helper {
  apply(input: HelperInput): string;
  /** Name helpers must not yield "": an empty name is never what the author meant. */
  producesName: boolean;
}

export function hash8(text: string): string {
  return sha256Hex(text).slice(0, 8);
}

/**
 * Shortens to `max` characters, replacing the tail by '-' and a hash of the whole input, so distinct long
 * inputs stay distinct and the same input always gives the same result.
 */
export function truncateWithHash(text: string, max: number, trimTail: RegExp = /[-_.]+$/): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - 9).replace(trimTail, "");
  return `${head}-${hash8(text)}`;
}

/** Folds accents ("Zürich" -> "zurich") before dropping what DNS names cannot hold. */
function foldToAscii(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

export function toDnsLabel(text: string): string {
  const folded = foldToAscii(text)
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (folded.length <= DNS_LABEL_MAX) return folded;
  // The hash is over the original text: two names that fold alike but differ still get different suffixes.
  return `${folded.slice(0, DNS_LABEL_MAX - 9).replace(/-+$/, "")}-${hash8(text)}`;
}

export function toDnsSubdomain(text: string): string {
  const folded = foldToAscii(text)
    .replace(/[^a-z0-9.]+/g, "-")
    .split(".")
    .map((part) => part.replace(/^-+|-+$/g, ""))
    .filter((part) => part.length > 0)
    .join(".");
  if (folded.length <= DNS_SUBDOMAIN_MAX) return folded;
  return `${folded.slice(0, DNS_SUBDOMAIN_MAX - 9).replace(/[-.]+$/, "")}-${hash8(text)}`;
}

export const HELPERS: Readonly<Record<string, Helper>> = Object.freeze({
  dnsLabel: { apply: ({ text }) => toDnsLabel(text), producesName: true },
  dnsSubdomain: { apply: ({ text }) => toDnsSubdomain(text), producesName: true },
  lower: { apply: ({ text }) => text.toLowerCase(), producesName: false },
  upper: { apply: ({ text }) => text.toUpperCase(), producesName: false },
  trunc63: { apply: ({ text }) => truncateWithHash(text, 63), producesName: false },
  hash8: { apply: ({ text }) => hash8(text), producesName: false },
  base64: { apply: ({ text }) => Buffer.from(text, "utf8").toString("base64"), producesName: false },
  // Typed: {{#json}}{{settings}}{{/json}} gives the object's JSON, not the JSON of its string form.
  json: { apply: ({ value }) => canonicalJson(value), producesName: false },
} satisfies Record<string, Helper>);

export const HELPER_NAMES: readonly string[] = Object.keys(HELPERS);

export function isHelperName(name: string): boolean {
  return Object.hasOwn(HELPERS, name);
}

/** Applies a helper; the error, if any, says which helper and what it was given. */
export function applyHelper(name: string, input: HelperInput): string {
  const helper = HELPERS[name];
  if (!helper) throw new TenantSyncError(`unknown helper "${name}"`);
  const result = helper.apply(input);
  if (helper.producesName && result === "") {
    throw new TenantSyncError(
      `helper ${name} produced an empty name from ${JSON.stringify(input.text)}: ` +
        "the value has no letters or digits to build a name from",
    );
  }
  return result;
}
