import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the README's demo", () => {
  it("runs to completion on the local stack: insert, Ready, update, teardown, summary", async () => {
    // --keep: the other test files share this stack, so the demo must not stop it.
    const { stdout } = await run(process.execPath, ["infra/demo.ts", "--keep"], {
      cwd: process.cwd(),
      timeout: 180_000,
      env: { ...process.env, TENANT_SYNC_LOG_LEVEL: "ERROR" },
    });
    expect(stdout).toMatch(/initech\s+Ready after \d+ ms/);
    expect(stdout).toMatch(/acme Ready again after \d+ ms; quota limits\.cpu is now 8/);
    expect(stdout).toMatch(/globex\s+Deleted after \d+ ms/);
    expect(stdout).toMatch(/globex\s+webapp\s+Deleted/);
    expect(stdout).toMatch(/Done in [\d.]+ s\./);
  }, 200_000);
});
