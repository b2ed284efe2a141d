import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { registerDiff } from "./diff.ts";
import { registerGraph } from "./graph.ts";
import { registerRbac } from "./rbac.ts";
import { registerRender } from "./render.ts";
import { registerRollout } from "./rollout.ts";
import { registerStatus } from "./status.ts";
import { registerSweep } from "./sweep.ts";
import { registerSync } from "./sync.ts";
import { registerValidate } from "./validate.ts";

/**
 * Adds one command (and its options) to the program. Its action should be wrapped in `action()` (context.ts)
 * so that it returns an exit code and its errors are reported the same way as every other command's.
 */
export type RegisterCommand = (program: Command, context: CliContext) => void;

/**
 * Every command of the product, in the order `--help` lists them. A new command is one module and one entry
 * here; a command for the dev tooling only (like `stack`) is registered by infra/cli/main.ts instead.
 */
export const COMMANDS: readonly RegisterCommand[] = [
  registerValidate,
  registerRender,
  registerDiff,
  registerSync,
  registerSweep,
  registerStatus,
  registerGraph,
  registerRollout,
  registerRbac,
];
