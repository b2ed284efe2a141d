import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { lambdaBundleSettings } from "../../infra/serverless/settings.ts";
import { loadStackConfig } from "../../infra/stack/config.ts";

const ROOT = path.join(import.meta.dirname, "../..");

/**
 * Bundles a benchmark child (`entry`, a file of this directory) as Lambda runs function `fn`: one ESM file made
 * by esbuild with serverless.yml's settings, at functions/<fn>/handler.mjs of a package directory that has
 * infra/ and templates/ next to it, as the deployed package does. Running the TypeScript sources instead
 * would add Node's type stripper (about 70 MiB) to every memory figure.
 */
export async function bundleLikeLambda(entry: string, fn: string): Promise<string> {
  const settings = lambdaBundleSettings();
  const packageDir = path.join(loadStackConfig().stateDir, "bench-bundles", fn);
  const outfile = path.join(packageDir, "functions", fn, "handler.mjs");
  fs.rmSync(packageDir, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(import.meta.dirname, entry)],
    // function-child.ts imports this name; each bundle resolves it to its own function.
    alias: { "tenant-sync-bench-handler": path.join(ROOT, "functions", fn, "handler.ts") },
    outfile,
    bundle: true,
    platform: settings.platform ?? "node",
    target: settings.target,
    format: settings.format ?? "esm",
    banner: settings.banner,
    mainFields: settings.mainFields,
    logLevel: "error",
  });
  for (const dir of ["infra", "templates"]) fs.symlinkSync(path.join(ROOT, dir), path.join(packageDir, dir));
  return outfile;
}
