import { Logger } from "@aws-lambda-powertools/logger";

/** Structured JSON logs, one line per event; fields are data, never secrets. */
export type Log = Pick<Logger, "debug" | "info" | "warn" | "error">;

export function createLog(serviceName = "tenant-sync"): Logger {
  return new Logger({
    serviceName,
    logLevel: (process.env.TENANT_SYNC_LOG_LEVEL ?? process.env.POWERTOOLS_LOG_LEVEL ?? "INFO") as "INFO",
  });
}
