import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadStackConfig, type StackConfig, scratchStackConfig } from "../../infra/stack/config.ts";
import { isAlive, readPid } from "../../infra/stack/process.ts";
import { down, services, up } from "../../infra/stack/stack.ts";
import { uniqueName } from "../support/stack.ts";

/** A second, throw-away stack on other ports, so the shared one the other tests use is never disturbed. */
function scratchStack(): StackConfig {
  const base = loadStackConfig();
  return scratchStackConfig(base, path.join(base.stateDir, uniqueName("scratch")), 211);
}

describe("stack up failure handling", () => {
  const config = scratchStack();
  afterAll(async () => {
    await down(config);
    fs.rmSync(config.stateDir, { recursive: true, force: true });
  });

  it("names the service and the taken port, and leaves nothing of its own running", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(config.ports.moto, "127.0.0.1", resolve));
    try {
      const failure = await up(config).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure?.message).toContain(`moto: port 127.0.0.1:${config.ports.moto} is already taken`);
    } finally {
      squatter.close();
    }
    const leftovers = services
      .flatMap((service) => service.processes)
      .filter((name) => isAlive(readPid(config, name)));
    expect(leftovers).toEqual([]);
  });
});
