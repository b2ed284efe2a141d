import net from "node:net";
import { DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ClusterRegistry } from "../../lib/clusters/cluster-registry.ts";
import { KubeconfigStore, putKubeconfigSecret } from "../../lib/clusters/kubeconfig-store.ts";
import { readStatus } from "../../lib/db/status-store.ts";
import { Engine } from "../../lib/engine/engine.ts";
import { createLog } from "../../lib/log.ts";
import { processBatch } from "../../lib/pipeline/sync/sync-batch.ts";
import { type EngineFixture, engineFixture, writeSets } from "../support/engine.ts";
import { registerSecret } from "../support/secret-registry.ts";
import { adminKubeConfig, secretsClient, stack, uniqueName } from "../support/stack.ts";
import { queueRecord, spreadNamespace, THREE_API_VERSIONS_SET } from "../support/three-api-versions.ts";

const COOL_DOWN_MS = 30_000;
/** The set's objects span this many apiVersions: at most one discovery request each may reach the server. */
const API_VERSIONS = 3;

/**
 * A TCP server that accepts connections, reads what is sent and never says a word: an API server that hangs.
 * Counts connections and the HTTP requests that arrived on them.
 */
async function silentServer() {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let requests = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("data", (chunk) => {
      requests += chunk.toString("latin1").match(/^(GET|PATCH|PUT|POST|DELETE) \//gm)?.length ?? 0;
    });
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen: () => ({ connections, requests }),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function silentKubeconfig(port: number, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      // Plain HTTP, so the server sees each request arrive (over TLS it would hang in the handshake).
      { name: "silent", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } },
    ],
    users: [{ name: "tenant-sync", user: { token } }],
    contexts: [{ name: "silent", context: { cluster: "silent", user: "tenant-sync" } }],
    "current-context": "silent",
  });
}

describe("a cluster whose API server accepts connections and never answers", () => {
  const info = stack();
  const secrets = secretsClient();
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const log = createLog("tenant-sync-test");
  const run = uniqueName("br");
  const silentCluster = `silent-${run}`;
  const healthy = [`${run}-h1`, `${run}-h2`];
  const stranded = [`${run}-s1`, `${run}-s2`];
  let clock = Date.now();
  let fixture: EngineFixture;
  let server: Awaited<ReturnType<typeof silentServer>>;
  let engine: Engine;

  beforeAll(async () => {
    fixture = await engineFixture("postgres", "breaker");
    server = await silentServer();
    const token = uniqueName("silent-token");
    registerSecret("bearer token", token);
    await putKubeconfigSecret(
      secrets,
      silentCluster,
      silentKubeconfig(server.port, token),
      info.secretPrefix,
    );
    // The registry a warm sync container holds, with a short discovery bound and a clock the test moves.
    const clusters = new ClusterRegistry(new KubeconfigStore(secrets, { prefix: info.secretPrefix }), {
      coolDownMs: COOL_DOWN_MS,
      discoveryTimeoutMs: 1_000,
      now: () => clock,
      log,
    });
    const sets = await fixture.loadSets(writeSets({ spread: THREE_API_VERSIONS_SET }));
    engine = new Engine({ sets, db: fixture.db, source: fixture.source, clusters, log });
    for (const id of healthy) await fixture.insert({ id, slug: id, cluster: null });
    for (const id of stranded) await fixture.insert({ id, slug: id, cluster: silentCluster });
  });

  afterAll(async () => {
    await server?.close();
    await Promise.allSettled([
      secrets.send(
        new DeleteSecretCommand({
          SecretId: `${info.secretPrefix}${silentCluster}`,
          ForceDeleteWithoutRecovery: true,
        }),
      ),
      ...healthy.map((id) => core.deleteNamespace({ name: spreadNamespace(id) })),
    ]);
    await fixture?.close();
  });

  const statusOf = async (id: string) => (await readStatus(fixture.db, { tenantKey: id }))[0];
  const invoke = (ids: string[]) => {
    const records = ids.map((id) => queueRecord(id));
    const idsOf = (tenants: string[]) =>
      records.filter((r) => tenants.includes(r.groupId)).map((r) => r.messageId);
    return {
      result: processBatch(records, (key) => engine.reconcile(key), log),
      messagesOf: idsOf,
    };
  };

  it("costs its tenants one bounded attempt, then nothing until the cool-down ends, then one probe", async () => {
    // One batch with tenants on both clusters, as the sync function receives it.
    const batch = invoke([healthy[0], stranded[0], healthy[1], stranded[1]] as string[]);
    const firstResult = await batch.result;
    for (const id of healthy) expect((await statusOf(id))?.phase).toBe("Ready");
    const first = server.seen();
    expect(first.requests).toBeGreaterThan(0);
    expect(first.requests).toBeLessThanOrEqual(API_VERSIONS);
    for (const id of stranded) {
      const status = await statusOf(id);
      expect(status?.phase).toBe("Failed");
      expect(status?.message).toContain(`cluster ${silentCluster} did not answer`);
      expect(status?.message).toContain("not contacted again until");
    }
    // Transient: only the stranded tenants' messages go back to the queue.
    expect(firstResult.failed.sort()).toEqual(batch.messagesOf(stranded).sort());

    // The next invocation inside the cool-down fails them at once, without contacting the cluster.
    const second = invoke(stranded);
    expect((await second.result).failed.sort()).toEqual(second.messagesOf(stranded).sort());
    expect(server.seen()).toEqual(first);
    for (const id of stranded) {
      expect((await statusOf(id))?.message).toContain(`cluster ${silentCluster} did not answer`);
    }

    // After the cool-down one request probes the cluster; it does not answer either, so the breaker opens again.
    clock += COOL_DOWN_MS + 1;
    const third = invoke(stranded);
    expect((await third.result).failed.sort()).toEqual(third.messagesOf(stranded).sort());
    expect(server.seen().requests).toBe(first.requests + 1);
    const fourth = invoke(stranded);
    expect((await fourth.result).failed.sort()).toEqual(fourth.messagesOf(stranded).sort());
    expect(server.seen().requests).toBe(first.requests + 1);
  }, 180_000);
});
