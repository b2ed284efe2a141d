import fs from "node:fs";
import type { LocalStack } from "../../lib/cli/environment.ts";
import { localFunctionEnv } from "../dev/local-env.ts";
import { loadStackConfig } from "../stack/config.ts";
import { stackInfoPath } from "../stack/stack-info.ts";

/** This checkout's local stack (infra/stack), as the CLI's --local and its default see it. */
export function localStack(): LocalStack {
  // Read when a command asks: the commands that never touch the local stack do not load its configuration.
  const stateFile = () => stackInfoPath(loadStackConfig().stateDir);
  return {
    stateFile,
    isUp: () => fs.existsSync(stateFile()),
    functionEnv: localFunctionEnv,
  };
}
