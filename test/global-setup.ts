import { loadStackConfig } from "../infra/stack/config.ts";
import { up } from "../infra/stack/stack.ts";

/** `vitest run` alone also works: the stack is brought up (a no-op when it is already healthy). */
export default async function setup(): Promise<void> {
  await up(loadStackConfig());
}
