import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { isTransient } from "../../lib/kube/api-errors.ts";

const http = (code: number) => new ApiException(code, "status", { code, message: "m" }, {});

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
});
