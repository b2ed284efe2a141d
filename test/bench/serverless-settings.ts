import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

const SERVERLESS_YML = path.join(import.meta.dirname, "../../serverless.yml");

interface ServerlessYml {
  provider?: { memorySize?: number };
  functions?: Record<string, { memorySize?: number }>;
  custom?: { esbuild?: EsbuildSettings };
}

export interface EsbuildSettings {
  platform?: "node";
  target?: string;
  format?: "esm" | "cjs";
  banner?: { js?: string };
  mainFields?: string[];
}

// The CloudFormation tags (!If, !Ref, …) are unknown to the parser; only plain settings are read here.
const serverlessYml = () =>
  parse(fs.readFileSync(SERVERLESS_YML, "utf8"), { logLevel: "silent" }) as ServerlessYml;

/** serverless.yml's `custom.esbuild`: the settings serverless-esbuild bundles each function with. */
export function lambdaBundleSettings(): EsbuildSettings {
  const settings = serverlessYml().custom?.esbuild;
  if (!settings) throw new Error("serverless.yml has no custom.esbuild section");
  return settings;
}

/** The memory (MB) serverless.yml gives a function: its own memorySize, else the provider's. */
export function lambdaMemoryMb(fn: string): number {
  const config = serverlessYml();
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
