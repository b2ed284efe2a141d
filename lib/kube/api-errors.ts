import { ApiException } from "@kubernetes/client-node";

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { message?: string; field?: string; reason?: string }[] };
}

export function statusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function parseBody(body: unknown): StatusBody | undefined {
  if (typeof body === "object" && body !== null) return body as StatusBody;
  if (typeof body !== "string") return undefined;
  try {
    return JSON.parse(body) as StatusBody;
  } catch {
    return { message: body.slice(0, 500) };
  }
}

/**
 * The API server's own explanation of a failed request (message and causes, e.g. which field manager owns a
 * conflicting field), without the request or credentials.
 */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = parseBody(error.body);
    const causes = (body?.details?.causes ?? [])
      .map((cause) => [cause.field, cause.message].filter(Boolean).join(": "))
      .filter((text) => text.length > 0);
    const message = body?.message ?? error.message.split("\n")[0];
    const detail = causes.length > 0 && !message?.includes(causes[0] ?? "") ? ` (${causes.join("; ")})` : "";
    return `HTTP ${error.code}${body?.reason ? ` ${body.reason}` : ""}: ${message}${detail}`;
  }
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  return `${(error as Error)?.message ?? String(error)}${cause ? ` (${cause})` : ""}`;
}

/**
 * Worth retrying later: the API server was unreachable, overloaded or failing (5xx, unless its answer blames
 * the request), or refused who we are (401, 403), not what we sent. An API server that has just restarted
 * answers 403 to everything until its RBAC cache has synced (the fault suite hit this), and a rotated
 * credential or a missing grant is fixed outside the row; retried, a lasting refusal ends in the dead-letter
 * queue and its alarm instead of being dropped.
 */
export function isTransient(error: unknown): boolean {
  const code = statusCode(error);
  if (code === undefined)
    return !(error instanceof Error && /does not serve kind|invalid/i.test(error.message));
  if (code >= 500) return !isRequestFault(parseBody((error as ApiException<unknown>).body));
  return code === 401 || code === 403 || code === 429;
}

/** Reasons (metav1.StatusReason) that blame what was sent, whatever status code came with them. */
const REQUEST_FAULT_REASONS = new Set([
  "BadRequest",
  "Invalid",
  "NotAcceptable",
  "UnsupportedMediaType",
  "RequestEntityTooLarge",
]);

/**
 * A 5xx that blames the request, so sending it again fails again. Server-side apply answers an object that
 * does not fit its kind's schema (a string in `spec.replicas`, a number in a ConfigMap's `data`) with a 500
 * that carries no reason, only the message "failed to create typed patch object (...): <field>: ...".
 */
function isRequestFault(body: StatusBody | undefined): boolean {
  if (body?.reason !== undefined && REQUEST_FAULT_REASONS.has(body.reason)) return true;
  return /failed to create typed patch object/.test(body?.message ?? "");
}
