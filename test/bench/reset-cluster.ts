import fs from "node:fs";
import path from "node:path";
import { loadStackConfig } from "../../infra/stack/config.ts";
import { primaryCluster } from "../../infra/stack/kube-clusters.ts";
import { stopDaemon } from "../../infra/stack/process.ts";
import { kube } from "../../infra/stack/services/kube.ts";
import { up } from "../../infra/stack/stack.ts";

/**
 * Empties the local cluster between benchmark sizes: the control plane is stopped, its etcd data removed and
 * the stack brought up again (shipped RBAC and secrets re-applied, same certificates). Seconds, where
 * deleting 20,000 namespaces through the namespace controller takes over half an hour on 2 cores. Only for
 * the local stack, and only when nothing of the benchmark holds a watch or request open.
 */
export async function resetLocalCluster(): Promise<void> {
  const config = loadStackConfig();
  for (const name of [...kube.processes].reverse()) {
    await stopDaemon(config, name, { signal: kube.stopSignals?.[name] });
  }
  fs.rmSync(path.join(primaryCluster(config).dir, "etcd"), { recursive: true, force: true });
  await up(config);
}
