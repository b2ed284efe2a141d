import path from "node:path";
import type { StackConfig } from "./config.ts";

/** One local control plane: its cluster name, state directory, process names and ports. */
export interface KubeCluster {
  name: string;
  /** State directory: PKI, etcd data, kubeconfig. */
  dir: string;
  /** Appended to the process names (pid and log files); empty for the first cluster, as before. */
  suffix: string;
  ports: { etcd: number; etcdPeer: number; apiserver: number; controllerManager: number };
}

/** The first cluster keeps the paths and names it always had, so existing state and scripts still fit. */
export function primaryCluster(config: StackConfig): KubeCluster {
  const { etcd, etcdPeer, apiserver, controllerManager } = config.ports;
  return {
    name: config.clusterName,
    dir: path.join(config.stateDir, "kube"),
    suffix: "",
    ports: { etcd, etcdPeer, apiserver, controllerManager },
  };
}

export function secondCluster(config: StackConfig): KubeCluster {
  const name = config.secondClusterName;
  return {
    name,
    dir: path.join(config.stateDir, `kube-${name}`),
    suffix: `-${name}`,
    ports: {
      etcd: config.ports.etcdB,
      etcdPeer: config.ports.etcdPeerB,
      apiserver: config.ports.apiserverB,
      controllerManager: config.ports.controllerManagerB,
    },
  };
}

/** Every control plane the stack runs, first cluster first. */
export const kubeClusters = (config: StackConfig): KubeCluster[] => [
  primaryCluster(config),
  secondCluster(config),
];

export const kubeProcessNames = (suffix: string) =>
  ["etcd", "kube-apiserver", "kube-controller-manager"].map((name) => `${name}${suffix}`);
