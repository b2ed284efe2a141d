/**
 * `npm run cli`: the product CLI (lib/cli) plus what only a checkout has: the `stack` command and the local
 * stack behind --local. The installed `tenant-sync` bin runs lib/cli/main.ts, which knows neither.
 */
import { runAndExit } from "../../lib/cli/main.ts";
import { localStack } from "./local-stack.ts";
import { registerStack } from "./stack-command.ts";

if (import.meta.main) runAndExit({ commands: [registerStack], localStack: localStack() });
