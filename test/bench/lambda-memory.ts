import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

const SERVERLESS_YML = path.join(import.meta.dirname, "../../serverless.yml");

interface ServerlessMemory {
  provider?: { memorySize?: number };
  functions?: Record<string, { memorySize?: number }>;
}

/** The memory (MB) serverless.yml gives a function: its own memorySize, else the provider's. */
export function lambdaMemoryMb(fn: string): number {
  // The CloudFormation tags (!If, !Ref, …) are unknown to the parser; only the numbers are read here.
  const config = parse(fs.readFileSync(SERVERLESS_YML, "utf8"), { logLevel: "silent" }) as ServerlessMemory;
  if (!config.functions?.[fn]) throw new Error(`serverless.yml has no function "${fn}"`);
  const memory = config.functions[fn].memorySize ?? config.provider?.memorySize;
  if (typeof memory !== "number") throw new Error(`serverless.yml gives function "${fn}" no memorySize`);
  return memory;
}

/**
 * The V8 heap flags the Lambda Node.js runtime starts a container of `memoryMb` with: old space 90 % and each
 * semi-space 5 % of the function's memory (the runtime's bootstrap script, as published by lambci's
 * node-custom-lambda and in AWS's base images). Without them a process on a 24 GiB machine lets its heap grow
 * to gigabytes before a full collection, so its peak RSS says little about the function in Lambda.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  return [
    `--max-semi-space-size=${Math.floor((memoryMb * 5) / 100)}`,
    `--max-old-space-size=${Math.floor((memoryMb * 90) / 100)}`,
  ];
}
