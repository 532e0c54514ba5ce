import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{harness,nodes,workloads,checkers}/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The e2e suites start real processes; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
