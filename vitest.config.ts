import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The secret scan (test/support/log-scan): every log line of the run and the status rows tests left are
    // checked for kubeconfig credentials, the database password and registered secrets; a hit fails the run.
    reporters: ["default", "./test/support/log-scan/reporter.ts"],
    projects: [
      {
        // Pure logic: no services, so `npm run test:unit` needs no stack.
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          setupFiles: ["test/support/log-scan/setup.ts"],
        },
      },
      {
        // Real services. Files run in parallel against one local stack; each creates its own namespaces,
        // databases and queues so they never step on each other.
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ["test/global-setup.ts"],
          setupFiles: ["test/support/log-scan/setup.ts"],
        },
      },
    ],
  },
});
