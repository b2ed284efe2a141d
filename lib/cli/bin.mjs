#!/usr/bin/env node
// The package's `tenant-sync` command. The CLI is TypeScript that Node.js 24 runs directly (type
// stripping). On an older `node` first on PATH, it is re-run with the project's own Node.js 24 (the `node`
// dev dependency) instead of failing on the first type annotation.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const main = path.join(here, "main.ts");
const major = Number(process.versions.node.split(".")[0]);

if (major >= 24) {
  const { run } = await import("./main.ts");
  const code = await run(process.argv.slice(2));
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
} else {
  const node24 = path.resolve(here, "../../node_modules/.bin/node");
  if (!fs.existsSync(node24)) {
    process.stderr.write(
      `tenant-sync needs Node.js 24 or newer, this is ${process.version}; run \`npm install\` in ` +
        `${path.resolve(here, "../..")} (it installs Node.js 24) or put Node.js 24 first on PATH\n`,
    );
    process.exit(1);
  }
  const child = spawnSync(node24, [main, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(child.status ?? 1);
}
