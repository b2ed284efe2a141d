import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

const SERVERLESS_YML = path.join(import.meta.dirname, "../../serverless.yml");

interface ServerlessYml {
  provider?: { memorySize?: number; timeout?: number };
  functions?: Record<
    string,
    { memorySize?: number; timeout?: number; events?: { schedule?: string | { rate?: string } }[] }
  >;
  custom?: { esbuild?: EsbuildSettings };
  resources?: {
    Resources?: Record<
      string,
      { Properties?: { VisibilityTimeout?: number; RedrivePolicy?: { maxReceiveCount?: number } } }
    >;
  };
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

/** A function's own setting, else the provider's: what Lambda gets from serverless.yml. */
function functionSetting(fn: string, setting: "memorySize" | "timeout"): number {
  const config = serverlessYml();
  if (!config.functions?.[fn]) throw new Error(`serverless.yml has no function "${fn}"`);
  const value = config.functions[fn][setting] ?? config.provider?.[setting];
  if (typeof value !== "number") throw new Error(`serverless.yml gives function "${fn}" no ${setting}`);
  return value;
}

/** The memory (MB) serverless.yml gives a function: its own memorySize, else the provider's. */
export function lambdaMemoryMb(fn: string): number {
  return functionSetting(fn, "memorySize");
}

/** How long (ms) Lambda lets one invocation of the function run: its own timeout, else the provider's. */
export function lambdaTimeoutMs(fn: string): number {
  return functionSetting(fn, "timeout") * 1000;
}

const RATE_UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Milliseconds between two scheduled invocations of the function: its `schedule: rate(N unit)` event. */
export function lambdaScheduleMs(fn: string): number {
  const events = serverlessYml().functions?.[fn]?.events ?? [];
  for (const event of events) {
    const rate = typeof event.schedule === "string" ? event.schedule : event.schedule?.rate;
    const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(rate ?? "");
    if (match) return Number(match[1]) * (RATE_UNIT_MS[match[2] as string] as number);
  }
  throw new Error(`serverless.yml gives function "${fn}" no schedule: rate(N minutes|hours|days) event`);
}

/** The tenant queue's VisibilityTimeout (seconds) and its redrive policy's maxReceiveCount in serverless.yml. */
export function tenantQueueSettings(): { visibilityTimeoutSeconds: number; maxReceiveCount: number } {
  const properties = serverlessYml().resources?.Resources?.TenantQueue?.Properties;
  const visibilityTimeoutSeconds = properties?.VisibilityTimeout;
  const maxReceiveCount = properties?.RedrivePolicy?.maxReceiveCount;
  if (typeof visibilityTimeoutSeconds !== "number" || typeof maxReceiveCount !== "number") {
    throw new Error("serverless.yml's TenantQueue has no VisibilityTimeout or RedrivePolicy.maxReceiveCount");
  }
  return { visibilityTimeoutSeconds, maxReceiveCount };
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

/**
 * The same heap as lambdaHeapFlags, as limits of a worker thread: V8's young generation is three
 * semi-spaces (two for scavenging, one for new large objects).
 */
export function lambdaResourceLimits(memoryMb: number): {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
} {
  return {
    maxOldGenerationSizeMb: Math.floor((memoryMb * 90) / 100),
    maxYoungGenerationSizeMb: 3 * Math.floor((memoryMb * 5) / 100),
  };
}
