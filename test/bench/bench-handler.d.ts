// function-child.ts runs only as an esbuild bundle, where this name is one function's handler module.
declare module "tenant-sync-bench-handler";
