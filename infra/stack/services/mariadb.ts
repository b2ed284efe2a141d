import fs from "node:fs";
import path from "node:path";
import mysql from "mysql2/promise";
import type { StackConfig } from "../config.ts";
import { commandExists, logFile, run, startDaemon, waitUntilHealthy } from "../process.ts";
import type { Service } from "./service.ts";
import { ensureDebianPackages } from "./system.ts";

const baseDir = (config: StackConfig) => path.join(config.stateDir, "mariadb");
const dataDir = (config: StackConfig) => path.join(baseDir(config), "data");
const socketPath = (config: StackConfig) => path.join(baseDir(config), "mysqld.sock");

export function mariadbUrl(config: StackConfig, database = config.database.name): string {
  const { user, password } = config.database;
  return `mysql://${user}:${encodeURIComponent(password)}@${config.host}:${config.ports.mariadb}/${database}`;
}

const serverBinary = () => ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"].find((file) => fs.existsSync(file));

export const mariadb: Service = {
  name: "mariadb",
  processes: ["mariadb"],
  ports: (config) => [config.ports.mariadb],
  endpoint: (config) => mariadbUrl(config).replace(/:[^:@/]*@/, ":***@"),

  async prepare(config) {
    await ensureDebianPackages(
      "mariadb",
      ["mariadb-server", "mariadb-client"],
      () => serverBinary() !== undefined && commandExists("mariadb-install-db"),
    );
    if (fs.existsSync(path.join(dataDir(config), "mysql"))) return;
    fs.mkdirSync(dataDir(config), { recursive: true });
    await run(
      "mariadb",
      "mariadb-install-db",
      [
        "--no-defaults",
        `--datadir=${dataDir(config)}`,
        `--user=${process.getuid?.() === 0 ? "root" : (process.env.USER ?? "root")}`,
        "--auth-root-authentication-method=socket",
        "--skip-test-db",
      ],
      { log: logFile(config, "mariadb") },
    );
  },

  async start(config) {
    const pid = startDaemon(config, {
      name: "mariadb",
      command: serverBinary() as string,
      args: [
        "--no-defaults",
        `--datadir=${dataDir(config)}`,
        `--socket=${socketPath(config)}`,
        `--pid-file=${path.join(baseDir(config), "mariadbd.pid")}`,
        `--port=${config.ports.mariadb}`,
        `--bind-address=${config.host}`,
        "--skip-name-resolve",
        "--skip-log-bin",
        // Disposable local data: trade durability for speed, as for PostgreSQL.
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
        "--max-connections=500",
        ...(process.getuid?.() === 0 ? ["--user=root"] : []),
      ],
    });
    await waitUntilHealthy(
      "mariadb",
      async () => {
        const connection = await mysql.createConnection({ socketPath: socketPath(config), user: "root" });
        await connection.end();
        return true;
      },
      { timeoutMs: 60_000, log: logFile(config, "mariadb"), pid },
    );
    const { name, user, password } = config.database;
    const root = await mysql.createConnection({ socketPath: socketPath(config), user: "root" });
    try {
      await root.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
      await root.query(`CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}'`);
      // Tests create one database per test file, so the local user may create and drop databases.
      await root.query(`GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%'`);
    } finally {
      await root.end();
    }
  },

  async healthy(config) {
    try {
      const connection = await mysql.createConnection({ uri: mariadbUrl(config), connectTimeout: 2000 });
      await connection.query("SELECT 1");
      await connection.end();
      return true;
    } catch {
      return false;
    }
  },
};
