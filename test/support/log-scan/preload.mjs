import { captureOutput } from "./capture.mjs";

captureOutput(process.env.TENANT_SYNC_TEST_LOG_DIR);
