// vitest setupFiles of every project: the worker's own output (the product's JSON logs, stray writes) is
// captured even if the pool ran workers without the NODE_OPTIONS preload (a thread pool, say).
import { captureOutput } from "./capture.mjs";

captureOutput(process.env.TENANT_SYNC_TEST_LOG_DIR);
