import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { isTransient } from "../../lib/kube/api-errors.ts";

const http = (code: number) => new ApiException(code, "status", { code, message: "m" }, {});

/** An API server's answer as the client library hands it over: the Status body as unparsed JSON text. */
const status = (code: number, message: string, reason?: string) =>
  new ApiException(
    code,
    "status",
    `${JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code })}\n`,
    {},
  );

describe("isTransient", () => {
  it("retries what the API server may answer differently later: unreachable, refused identity, overload, 5xx", () => {
    expect(
      isTransient(Object.assign(new Error("connect ECONNREFUSED"), { cause: { code: "ECONNREFUSED" } })),
    ).toBe(true);
    for (const code of [401, 403, 429, 500, 503]) expect(isTransient(http(code)), String(code)).toBe(true);
  });

  it("does not retry what is wrong with the request itself", () => {
    for (const code of [400, 404, 409, 422]) expect(isTransient(http(code)), String(code)).toBe(false);
    expect(isTransient(new Error("the API server does not serve kind Widget in example.com/v1"))).toBe(false);
  });

  it("does not retry a 500 that blames the object sent: a value that does not fit the kind's schema", () => {
    // Word for word what server-side apply answers for {"replicas":"abc"} rendered into spec.replicas.
    const typeError = status(
      500,
      "failed to create typed patch object (acme/web; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string",
    );
    expect(isTransient(typeError)).toBe(false);
    expect(isTransient(status(500, "the object is invalid", "Invalid"))).toBe(false);
    expect(isTransient(status(500, "cannot decode the request body", "BadRequest"))).toBe(false);
  });

  it("keeps retrying the server's own failures: internal errors, unavailable, timeouts", () => {
    expect(isTransient(status(500, "etcdserver: request timed out", "InternalError"))).toBe(true);
    expect(
      isTransient(status(503, "the server is currently unable to handle the request", "ServiceUnavailable")),
    ).toBe(true);
    expect(
      isTransient(status(504, "the server was unable to return a response in the time allotted", "Timeout")),
    ).toBe(true);
    expect(isTransient(new ApiException(502, "Bad Gateway", "<html>bad gateway</html>", {}))).toBe(true);
    expect(isTransient(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toBe(
      true,
    );
  });
});
