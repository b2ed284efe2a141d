import { statusCode } from "./api-errors.ts";

/** Socket and undici codes that mean the request never reached an API server that answers. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

/** 502/503/504: a gateway or the API server itself says it cannot serve anything right now. */
const UNAVAILABLE_STATUS = new Set([502, 503, 504]);

/** The error and its causes (undici wraps the socket error in `fetch failed`), at most a few deep. */
function* chain(error: unknown): Generator<{ name?: unknown; code?: unknown }> {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    yield current as { name?: unknown; code?: unknown };
    current = (current as { cause?: unknown }).cause;
  }
}

/**
 * Whether a failed request says "the cluster's API server is unreachable or not answering" (refused or reset
 * connection, connect or request timeout, 502/503/504), as opposed to an answer about the request (any other
 * status: 404, 409, 422, 403...). Only the former opens a cluster's circuit breaker. An abort that is not a
 * timeout (the caller gave up) says nothing about the cluster.
 */
export function isUnreachable(error: unknown): boolean {
  const code = statusCode(error);
  if (code !== undefined) return UNAVAILABLE_STATUS.has(code);
  for (const link of chain(error)) {
    if (link.name === "TimeoutError" || link.name === "ConnectTimeoutError") return true;
    if (typeof link.code === "string" && NETWORK_CODES.has(link.code)) return true;
  }
  return false;
}

/** A few words for a status message: "timed out", "ECONNREFUSED", "HTTP 503". */
export function unreachableReason(error: unknown): string {
  const code = statusCode(error);
  if (code !== undefined) return `HTTP ${code}`;
  for (const link of chain(error)) {
    if (link.name === "TimeoutError") return "timed out";
    if (typeof link.code === "string" && NETWORK_CODES.has(link.code)) return link.code;
  }
  return (error as Error)?.name ?? "error";
}
