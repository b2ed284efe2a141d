import { describe, expect, it } from "vitest";
import {
  lambdaHeapFlags,
  lambdaMemoryMb,
  lambdaResourceLimits,
  lambdaTimeoutMs,
} from "../../infra/serverless/settings.ts";

describe("Lambda memory of a function, for the memory benchmark", () => {
  it("reads a function's own memorySize, else the provider's, from serverless.yml", () => {
    expect(lambdaMemoryMb("sweep")).toBe(1536);
    expect(lambdaMemoryMb("sync")).toBe(512);
  });

  it("names a function serverless.yml does not have", () => {
    expect(() => lambdaMemoryMb("no-such-fn")).toThrow('serverless.yml has no function "no-such-fn"');
  });

  it("gives V8 the heap Lambda's runtime gives a container of that size", () => {
    expect(lambdaHeapFlags(512)).toEqual(["--max-semi-space-size=25", "--max-old-space-size=460"]);
    expect(lambdaHeapFlags(1536)).toEqual(["--max-semi-space-size=76", "--max-old-space-size=1382"]);
  });

  it("reads a function's own timeout, else the provider's", () => {
    expect(lambdaTimeoutMs("sync")).toBe(60_000);
    expect(lambdaTimeoutMs("sweep")).toBe(900_000);
    expect(lambdaTimeoutMs("webhook")).toBe(10_000);
  });

  it("gives a worker thread the same heap as the flags", () => {
    expect(lambdaResourceLimits(512)).toEqual({ maxOldGenerationSizeMb: 460, maxYoungGenerationSizeMb: 75 });
  });
});
