import path from "node:path";
import { fileURLToPath } from "node:url";

/** Where the local stack keeps its state and which loopback ports it uses; every port can be overridden. */
export interface StackConfig {
  root: string;
  stateDir: string;
  cacheDir: string;
  logDir: string;
  host: "127.0.0.1";
  ports: {
    etcd: number;
    etcdPeer: number;
    apiserver: number;
    controllerManager: number;
    /** The second control plane (`secondClusterName`), so multi-cluster routing is tested against real servers. */
    etcdB: number;
    etcdPeerB: number;
    apiserverB: number;
    controllerManagerB: number;
    postgres: number;
    mariadb: number;
    elasticmq: number;
    moto: number;
  };
  region: string;
  clusterName: string;
  secondClusterName: string;
  secretPrefix: string;
  queueName: string;
  deadLetterQueueName: string;
  maxReceiveCount: number;
  database: { name: string; user: string; password: string };
}

const defaultPorts: StackConfig["ports"] = {
  etcd: 23790,
  etcdPeer: 23800,
  apiserver: 16443,
  controllerManager: 20257,
  // Clear of every other default shifted by the usual offsets (0, 1000, 2000, …).
  etcdB: 23890,
  etcdPeerB: 23900,
  apiserverB: 16543,
  controllerManagerB: 20357,
  postgres: 15432,
  mariadb: 13306,
  elasticmq: 19324,
  moto: 15000,
};

function integerFromEnv(variable: string, min: number, max: number): number | undefined {
  const raw = process.env[variable];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${variable}=${raw} is not an integer in ${min}-${max}`);
  }
  return value;
}

/** TENANT_SYNC_PORT_OFFSET shifts every default port, so a second stack (another checkout) can run beside. */
function portFromEnv(name: keyof StackConfig["ports"]): number {
  const variable = `TENANT_SYNC_PORT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
  const raw = process.env[variable];
  if (raw === undefined || raw === "") {
    return defaultPorts[name] + (integerFromEnv("TENANT_SYNC_PORT_OFFSET", 0, 20_000) ?? 0);
  }
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${variable}=${raw} is not a TCP port (1-65535)`);
  }
  return port;
}

export function loadStackConfig(): StackConfig {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const stateDir = path.resolve(process.env.TENANT_SYNC_STACK_DIR ?? path.join(root, ".stack"));
  const ports = Object.fromEntries(
    (Object.keys(defaultPorts) as (keyof StackConfig["ports"])[]).map((name) => [name, portFromEnv(name)]),
  ) as StackConfig["ports"];
  return {
    root,
    stateDir,
    cacheDir: path.join(root, ".cache"),
    logDir: path.join(stateDir, "logs"),
    host: "127.0.0.1",
    ports,
    region: "us-east-1",
    clusterName: "local",
    secondClusterName: "local-b",
    secretPrefix: "tenant-sync/clusters/",
    queueName: "tenant-sync.fifo",
    deadLetterQueueName: "tenant-sync-dlq.fifo",
    maxReceiveCount: 5,
    database: { name: "tenant_sync", user: "tenant_sync", password: "tenant-sync-local" },
  };
}

/** A throw-away stack beside the shared one: its own state directory and every port shifted by `offset`. */
export function scratchStackConfig(base: StackConfig, stateDir: string, offset: number): StackConfig {
  const ports = Object.fromEntries(
    Object.entries(base.ports).map(([name, port]) => [name, port + offset]),
  ) as StackConfig["ports"];
  return { ...base, stateDir, logDir: path.join(stateDir, "logs"), ports };
}
