import { createHash } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import type { StackConfig } from "../config.ts";
import { type KubeCluster, kubeProcessNames, primaryCluster, secondCluster } from "../kube-clusters.ts";
import { commandExists, logFile, run, StackError, startDaemon, waitUntilHealthy } from "../process.ts";
import type { Service } from "./service.ts";

// Pinned together with infra/kube/go.mod; stamped into the binary so clients see a real version.
const KUBERNETES_VERSION = "v1.35.4";

// Every function takes the cluster; without one it means the first cluster, as before there were two.
const pkiDir = (cluster: KubeCluster) => path.join(cluster.dir, "pki");
export const binaryPath = (config: StackConfig) => path.join(config.cacheDir, "bin", "kube-local");
export const adminKubeconfigPath = (config: StackConfig, cluster = primaryCluster(config)) =>
  path.join(cluster.dir, "admin.kubeconfig");
export const apiserverUrl = (config: StackConfig, cluster = primaryCluster(config)) =>
  `https://${config.host}:${cluster.ports.apiserver}`;

/** Hash of everything the binary is built from: a changed go.mod, go.sum or .go file (or Go) rebuilds it. */
async function sourceHash(config: StackConfig): Promise<string> {
  const moduleDir = path.join(config.root, "infra", "kube");
  const hash = createHash("sha256");
  for (const file of fs.readdirSync(moduleDir).sort()) {
    if (file === "go.mod" || file === "go.sum" || file.endsWith(".go")) {
      hash.update(file).update(fs.readFileSync(path.join(moduleDir, file)));
    }
  }
  hash.update(await run("kube-build", "go", ["version"]));
  return hash.digest("hex");
}

// Both clusters prepare in parallel; they share one binary, so one build serves both.
const builds = new Map<string, Promise<void>>();
function buildOnce(config: StackConfig): Promise<void> {
  let pending = builds.get(binaryPath(config));
  if (!pending) {
    pending = build(config).finally(() => builds.delete(binaryPath(config)));
    builds.set(binaryPath(config), pending);
  }
  return pending;
}

async function build(config: StackConfig): Promise<void> {
  if (!commandExists("go")) {
    throw new StackError(
      "kube-build",
      "Go is not on PATH; install Go 1.26+ to build the local control plane",
    );
  }
  const stamp = `${binaryPath(config)}.sha256`;
  const wanted = await sourceHash(config);
  if (
    fs.existsSync(binaryPath(config)) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, "utf8") === wanted
  ) {
    return;
  }
  const log = logFile(config, "kube-build");
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const started = Date.now();
  process.stderr.write(
    `[stack] building kube-local ${KUBERNETES_VERSION} (cold build takes several minutes)\n`,
  );
  const minor = KUBERNETES_VERSION.split(".")[1];
  await run(
    "kube-build",
    "go",
    [
      "build",
      "-trimpath",
      "-ldflags",
      `-s -w -X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}`,
      "-o",
      binaryPath(config),
      ".",
    ],
    { cwd: path.join(config.root, "infra", "kube"), env: { CGO_ENABLED: "0" }, log },
  );
  fs.writeFileSync(stamp, wanted);
  process.stderr.write(`[stack] built kube-local in ${Math.round((Date.now() - started) / 1000)}s\n`);
}

function pem(file: string): string {
  return Buffer.from(fs.readFileSync(file)).toString("base64");
}

/**
 * A kubeconfig for `user`'s client certificate in the cluster's PKI with the credentials embedded, so it can
 * be stored as one Secrets Manager secret.
 */
export function embeddedKubeconfig(config: StackConfig, cluster: KubeCluster, user: string): string {
  const pki = pkiDir(cluster);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${cluster.name}`,
    "  cluster:",
    `    server: ${apiserverUrl(config, cluster)}`,
    `    certificate-authority-data: ${pem(path.join(pki, "ca.crt"))}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    `    client-certificate-data: ${pem(path.join(pki, `${user}.crt`))}`,
    `    client-key-data: ${pem(path.join(pki, `${user}.key`))}`,
    "contexts:",
    `- name: ${cluster.name}`,
    "  context:",
    `    cluster: ${cluster.name}`,
    `    user: ${user}`,
    `current-context: ${cluster.name}`,
    "",
  ].join("\n");
}

export const adminKubeconfig = (config: StackConfig, cluster = primaryCluster(config)) =>
  embeddedKubeconfig(config, cluster, "admin");

function httpsGet(cluster: KubeCluster, url: string, withClientCert: boolean): Promise<number> {
  const pki = pkiDir(cluster);
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      withClientCert
        ? {
            ca: fs.readFileSync(path.join(pki, "ca.crt")),
            cert: fs.readFileSync(path.join(pki, "admin.crt")),
            key: fs.readFileSync(path.join(pki, "admin.key")),
            timeout: 2000,
          }
        : { rejectUnauthorized: false, timeout: 2000 },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
  });
}

const etcdHealthy = async (config: StackConfig, cluster: KubeCluster) => {
  const response = await fetch(`http://${config.host}:${cluster.ports.etcd}/health`, {
    signal: AbortSignal.timeout(2000),
  });
  return response.ok && ((await response.json()) as { health?: string }).health === "true";
};
const apiserverHealthy = async (config: StackConfig, cluster: KubeCluster) =>
  (await httpsGet(cluster, `${apiserverUrl(config, cluster)}/readyz`, true)) === 200;
const controllerManagerHealthy = async (config: StackConfig, cluster: KubeCluster) =>
  (await httpsGet(cluster, `https://${config.host}:${cluster.ports.controllerManager}/healthz`, false)) ===
  200;

/**
 * The control plane of one cluster as a stack service: its own PKI, etcd data, ports and process names.
 * `pick` finds the cluster in the config, since services are values and the config comes per call.
 */
function kubeService(name: string, suffix: string, pick: (config: StackConfig) => KubeCluster): Service {
  const [etcdName, apiName, kcmName] = kubeProcessNames(suffix) as [string, string, string];
  return {
    name,
    processes: [etcdName, apiName, kcmName],
    ports: (config) => Object.values(pick(config).ports),
    endpoint: (config) =>
      `${apiserverUrl(config, pick(config))} (cluster ${pick(config).name}, kubeconfig: ${adminKubeconfigPath(config, pick(config))})`,

    async prepare(config) {
      const cluster = pick(config);
      await buildOnce(config);
      await run(`kube-certs${suffix}`, binaryPath(config), ["certs", "--dir", pkiDir(cluster)]);
      fs.writeFileSync(adminKubeconfigPath(config, cluster), adminKubeconfig(config, cluster), {
        mode: 0o600,
      });
    },

    start: (config) => startCluster(config, pick(config), [etcdName, apiName, kcmName]),

    async healthy(config) {
      const cluster = pick(config);
      try {
        return (
          (await etcdHealthy(config, cluster)) &&
          (await apiserverHealthy(config, cluster)) &&
          (await controllerManagerHealthy(config, cluster))
        );
      } catch {
        return false;
      }
    },
  };
}

export const kube = kubeService("kubernetes", "", primaryCluster);
/** A second control plane, so routing by the cluster column and a cluster outage are tested for real. */
export const kubeB = kubeService("kubernetes-local-b", "-local-b", secondCluster);

async function startCluster(
  config: StackConfig,
  cluster: KubeCluster,
  [etcdName, apiName, kcmName]: [string, string, string],
): Promise<void> {
  const bin = binaryPath(config);
  const pki = pkiDir(cluster);
  const { host } = config;
  const kubeconfig = adminKubeconfigPath(config, cluster);
  const etcdUrl = `http://${host}:${cluster.ports.etcd}`;
  const peerUrl = `http://${host}:${cluster.ports.etcdPeer}`;
  const etcdPid = startDaemon(config, {
    name: etcdName,
    command: bin,
    args: [
      "etcd",
      "--name=local",
      `--data-dir=${path.join(cluster.dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=local=${peerUrl}`,
      // Local test data only: durability is traded for speed, as envtest does.
      "--unsafe-no-fsync=true",
      "--auto-compaction-retention=1",
      `--quota-backend-bytes=${8 * 1024 * 1024 * 1024}`,
      "--log-level=warn",
    ],
  });
  await waitUntilHealthy(etcdName, () => etcdHealthy(config, cluster), {
    timeoutMs: 30_000,
    log: logFile(config, etcdName),
    pid: etcdPid,
  });

  const apiPid = startDaemon(config, {
    name: apiName,
    command: bin,
    args: [
      "kube-apiserver",
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${host}`,
      `--advertise-address=${host}`,
      `--secure-port=${cluster.ports.apiserver}`,
      `--tls-cert-file=${path.join(pki, "apiserver.crt")}`,
      `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
      `--client-ca-file=${path.join(pki, "ca.crt")}`,
      `--service-account-issuer=${apiserverUrl(config, cluster)}/`,
      `--service-account-key-file=${path.join(pki, "sa.pub")}`,
      `--service-account-signing-key-file=${path.join(pki, "sa.key")}`,
      // Every tenant of the example set has a Service: 10,000 tenants need far more than a /24.
      "--service-cluster-ip-range=10.96.0.0/12",
      "--allow-privileged=true",
      "--authorization-mode=RBAC",
      // No serviceaccount-token controller runs, so admission would reject pods without a token.
      "--disable-admission-plugins=ServiceAccount",
      // No kubelet or kube-proxy: the `kubernetes` Service endpoints would point nowhere.
      "--endpoint-reconciler-type=none",
      // Benchmarks push thousands of concurrent requests; the defaults (400/200) would throttle them.
      "--max-requests-inflight=2000",
      "--max-mutating-requests-inflight=1000",
      "--v=1",
    ],
  });
  await waitUntilHealthy(apiName, () => apiserverHealthy(config, cluster), {
    timeoutMs: 90_000,
    log: logFile(config, apiName),
    pid: apiPid,
  });

  const kcmPid = startDaemon(config, {
    name: kcmName,
    command: bin,
    args: [
      "kube-controller-manager",
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      // Namespace deletion and ownerReference cascades are what tenant-sync relies on; the rest need a kubelet.
      "--controllers=namespace-controller,garbage-collector-controller,serviceaccount-controller",
      "--leader-elect=false",
      // The defaults (20 requests/s, 10 namespace workers) drain a few hundred namespaces a minute: too slow
      // for benchmarks that tear thousands of tenants down, and for tests waiting on namespace deletion.
      "--kube-api-qps=300",
      "--kube-api-burst=600",
      "--concurrent-namespace-syncs=50",
      "--concurrent-gc-syncs=50",
      `--bind-address=${host}`,
      `--secure-port=${cluster.ports.controllerManager}`,
      `--cert-dir=${path.join(cluster.dir, "kcm-certs")}`,
      "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
      "--v=1",
    ],
  });
  await waitUntilHealthy(kcmName, () => controllerManagerHealthy(config, cluster), {
    timeoutMs: 60_000,
    log: logFile(config, kcmName),
    pid: kcmPid,
  });
}
