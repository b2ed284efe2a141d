import fs from "node:fs";
import path from "node:path";
import type { StackConfig } from "../config.ts";
import { commandExists, logFile, run, startDaemon, waitUntilHealthy } from "../process.ts";
import type { Service } from "./service.ts";
import { ensureDebianPackages } from "./system.ts";

// moto's server emulates Secrets Manager (and more) in one process; pinned so behaviour never shifts under us.
const MOTO_REQUIREMENT = "moto[server]==5.2.5";

const venvDir = (config: StackConfig) => path.join(config.cacheDir, "moto-venv");
export const secretsManagerEndpoint = (config: StackConfig) => `http://${config.host}:${config.ports.moto}`;

export const moto: Service = {
  name: "moto",
  processes: ["moto"],
  ports: (config) => [config.ports.moto],
  endpoint: (config) => `${secretsManagerEndpoint(config)} (Secrets Manager)`,

  async prepare(config) {
    await ensureDebianPackages("moto", ["python3", "python3-venv"], () => commandExists("python3"));
    const stamp = path.join(venvDir(config), "requirement.txt");
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === MOTO_REQUIREMENT) return;
    process.stderr.write(`[stack] installing ${MOTO_REQUIREMENT} from PyPI\n`);
    const log = logFile(config, "moto-install");
    await run("moto", "python3", ["-m", "venv", venvDir(config)], { log });
    await run("moto", path.join(venvDir(config), "bin", "pip"), ["install", "-q", MOTO_REQUIREMENT], { log });
    fs.writeFileSync(stamp, MOTO_REQUIREMENT);
  },

  async start(config) {
    const pid = startDaemon(config, {
      name: "moto",
      command: path.join(venvDir(config), "bin", "moto_server"),
      args: ["-H", config.host, "-p", String(config.ports.moto)],
    });
    await waitUntilHealthy("moto", () => this.healthy(config), {
      timeoutMs: 30_000,
      log: logFile(config, "moto"),
      pid,
    });
  },

  async healthy(config) {
    try {
      const response = await fetch(`${secretsManagerEndpoint(config)}/moto-api/`, {
        signal: AbortSignal.timeout(2000),
      });
      return response.ok;
    } catch {
      return false;
    }
  },
};
