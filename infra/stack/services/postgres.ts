import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import type { StackConfig } from "../config.ts";
import { logFile, run, StackError, startDaemon, waitUntilHealthy } from "../process.ts";
import type { Service } from "./service.ts";
import { accountIds, ensureDebianPackages } from "./system.ts";

const dataDir = (config: StackConfig) => path.join(config.stateDir, "postgres", "data");
const socketDir = (config: StackConfig) => path.join(config.stateDir, "postgres", "run");

function binDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin") : undefined;
}

/** PostgreSQL refuses to run as root, so as root the server runs as the `postgres` account. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = accountIds("postgres");
  if (!ids)
    throw new StackError(
      "postgres",
      "running as root but there is no `postgres` account to run the server as",
    );
  return ids;
}

export function postgresUrl(config: StackConfig, database = config.database.name): string {
  const { user, password } = config.database;
  return `postgres://${user}:${encodeURIComponent(password)}@${config.host}:${config.ports.postgres}/${database}`;
}

async function query(config: StackConfig, sql: string, database = "postgres"): Promise<void> {
  const client = new pg.Client({
    host: socketDir(config),
    port: config.ports.postgres,
    user: "postgres",
    database,
  });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export const postgres: Service = {
  name: "postgres",
  processes: ["postgres"],
  // SIGTERM waits for every client to disconnect; SIGINT ("fast" shutdown) ends their sessions.
  stopSignals: { postgres: "SIGINT" },
  ports: (config) => [config.ports.postgres],
  endpoint: (config) => postgresUrl(config).replace(/:[^:@/]*@/, ":***@"),

  async prepare(config) {
    await ensureDebianPackages("postgres", ["postgresql"], () => binDir() !== undefined);
    const owner = runAs();
    // Parents stay world-traversable so the `postgres` account can reach its own directories.
    fs.mkdirSync(path.dirname(dataDir(config)), { recursive: true, mode: 0o755 });
    for (const dir of [dataDir(config), socketDir(config)]) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    }
    if (fs.existsSync(path.join(dataDir(config), "PG_VERSION"))) return;
    const bin = binDir() as string;
    await run(
      "postgres",
      path.join(bin, "initdb"),
      [
        "-D",
        dataDir(config),
        "-U",
        "postgres",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
      ],
      { ...owner, log: logFile(config, "postgres") },
    );
  },

  async start(config) {
    const bin = binDir() as string;
    const pid = startDaemon(config, {
      name: "postgres",
      command: path.join(bin, "postgres"),
      args: [
        "-D",
        dataDir(config),
        "-p",
        String(config.ports.postgres),
        "-k",
        socketDir(config),
        "-c",
        `listen_addresses=${config.host}`,
        // Disposable local data: fsync off makes migrations and benchmarks fast.
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "max_connections=300",
      ],
      ...runAs(),
    });
    await waitUntilHealthy(
      "postgres",
      async () => {
        await query(config, "SELECT 1");
        return true;
      },
      { timeoutMs: 30_000, log: logFile(config, "postgres"), pid },
    );
    const { name, user, password } = config.database;
    await query(
      config,
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}') THEN
           CREATE ROLE ${user} LOGIN CREATEDB PASSWORD '${password}';
         END IF;
       END $$;`,
    );
    const client = new pg.Client({ host: socketDir(config), port: config.ports.postgres, user: "postgres" });
    await client.connect();
    try {
      const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name} OWNER ${user}`);
    } finally {
      await client.end();
    }
  },

  async healthy(config) {
    const client = new pg.Client({ connectionString: postgresUrl(config), connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  },
};
