import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pLimit from "p-limit";
import { stringify } from "yaml";
import { loadStackConfig } from "../../infra/stack/config.ts";
import { binaryPath } from "../../infra/stack/services/kube.ts";
import { FIELD_MANAGER } from "../../lib/kube/labels.ts";
import type { KubeObject } from "../../lib/kube/object-ref.ts";
import { stack } from "../support/stack.ts";
import { seconds } from "./measure.ts";

const run = promisify(execFile);

/** The kubectl built into kube-local from the same k8s.io/kubernetes module as the API server. */
export const kubectlPath = () => binaryPath(loadStackConfig());

export async function kubectlVersion(): Promise<string> {
  const { stdout } = await run(kubectlPath(), ["kubectl", "version", "--client", "-o", "json"]);
  return (JSON.parse(stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
}

/**
 * What a shell script around kubectl would do: one `kubectl apply --server-side` process per tenant, on a
 * file with that tenant's objects (namespace first, so kubectl creates it before the rest), `parallel`
 * processes at a time. The files are written before the clock starts. Returns the wall time in seconds.
 */
export async function kubectlApplyPerTenant(
  tenants: readonly KubeObject[][],
  parallel: number,
): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-sync-kubectl-bench-"));
  try {
    const files = tenants.map((objects, i) => {
      const file = path.join(dir, `${i}.yaml`);
      const ordered = [...objects].sort(
        (a, b) => Number(b.kind === "Namespace") - Number(a.kind === "Namespace"),
      );
      fs.writeFileSync(file, ordered.map((o) => stringify(o)).join("---\n"));
      return file;
    });
    const env = { ...process.env, KUBECONFIG: stack().kubeconfigPath };
    const limit = pLimit(parallel);
    const start = performance.now();
    await Promise.all(
      files.map((file) =>
        limit(() =>
          run(
            kubectlPath(),
            ["kubectl", "apply", "--server-side", `--field-manager=${FIELD_MANAGER}`, "-f", file],
            { env },
          ),
        ),
      ),
    );
    return seconds(start);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
