import { TenantSyncError } from "../errors.ts";
import type { Dialect } from "./dialect.ts";

/** A database URL taken apart once, so the password is only ever in `password` and never in messages. */
export interface ConnectionTarget {
  dialect: Dialect;
  /** The URL with the scheme each driver expects (postgresql: or mysql:); holds the password, never print it. */
  driverUrl: string;
  /** The URL with the password replaced by ***: safe for logs and error messages. */
  redacted: string;
  /** Decoded password ("" when none), kept only to scrub it from driver messages. */
  password: string;
}

const SCHEMES: Record<string, Dialect> = {
  "postgres:": "postgres",
  "postgresql:": "postgres",
  "mysql:": "mysql",
  "mariadb:": "mysql",
};

export function parseDatabaseUrl(url: string): ConnectionTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Node's own error carries the whole input (password included) in `input`: never rethrow it.
    throw new TenantSyncError(
      "database URL is not a valid URL; expected postgres://user:password@host:port/database " +
        "or mysql://user:password@host:port/database (percent-encode special characters in the password)",
    );
  }
  const dialect = SCHEMES[parsed.protocol];
  const password = safeDecode(parsed.password);
  if (parsed.password) parsed.password = "***";
  const redacted = parsed.toString();
  if (!dialect) {
    throw new TenantSyncError(
      `database URL ${redacted} has the unsupported scheme "${parsed.protocol}"; ` +
        "use postgres://, postgresql://, mysql:// or mariadb://",
    );
  }
  if (!parsed.hostname) throw new TenantSyncError(`database URL ${redacted} names no host`);
  // pg reads postgres: and postgresql:, mysql2 only mysql:; MariaDB speaks the MySQL protocol.
  const rest = url.slice(url.indexOf(":"));
  return { dialect, driverUrl: `${dialect === "mysql" ? "mysql" : "postgresql"}${rest}`, redacted, password };
}

/** Replaces the password wherever a driver message might repeat it. */
export function scrubPassword(text: string, password: string): string {
  if (!password) return text;
  const variants = new Set([password, encodeURIComponent(password)]);
  let result = text;
  for (const variant of variants) result = result.split(variant).join("***");
  return result;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
