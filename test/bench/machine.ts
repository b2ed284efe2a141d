import { execFileSync } from "node:child_process";
import os from "node:os";
import type { Database } from "../../lib/db/database.ts";
import { kubectlVersion } from "./kubectl-apply.ts";
import type { Machine } from "./report-model.ts";

function osName(): string {
  try {
    const release = execFileSync("sh", ["-c", '. /etc/os-release && echo "$PRETTY_NAME"'], {
      encoding: "utf8",
    });
    return `${release.trim()} (${os.release()})`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

/** The facts a reader needs to compare figures across machines. */
export async function machineFacts(db: Database): Promise<Machine> {
  const { rows } = await db.query<{ version: string }>("SELECT version() AS version");
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: osName(),
    node: process.versions.node,
    kubernetes: await kubectlVersion(),
    postgres: (rows[0]?.version ?? "").split(" on ")[0] ?? "",
    date: new Date().toISOString(),
  };
}
