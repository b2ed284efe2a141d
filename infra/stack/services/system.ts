import { execFileSync } from "node:child_process";
import { commandExists, run, StackError } from "../process.ts";

/** Installs Debian packages when the stack runs as root on a machine without them; otherwise says what to install. */
export async function ensureDebianPackages(service: string, packages: string[], present: () => boolean) {
  if (present()) return;
  if (process.getuid?.() !== 0 || !commandExists("apt-get")) {
    throw new StackError(service, `missing prerequisite: install the Debian packages ${packages.join(" ")}`);
  }
  process.stderr.write(`[stack] installing ${packages.join(" ")} with apt-get\n`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await run(service, "apt-get", ["update", "-qq"], { env });
  await run(service, "apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { env });
  if (!present()) throw new StackError(service, `installed ${packages.join(" ")} but still cannot find it`);
}

/** uid/gid of a system account, used to run servers that refuse to run as root (PostgreSQL). */
export function accountIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}
