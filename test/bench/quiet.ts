// Imported first by run.ts, so it runs before any function module creates its logger or metrics:
// the benchmark prints figures, not the functions' per-tenant INFO lines and metric documents.
process.env.TENANT_SYNC_LOG_LEVEL ??= "WARN";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
