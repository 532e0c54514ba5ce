// The test runner's settings: tests sit beside the code (`*.test.ts`); the slow ones, which
// start processes or containers, are `*.e2e.test.ts` / `*.docker.test.ts` (test:unit skips them).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{harness,systems,nodes,workloads,checkers,bin}/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The e2e suites start real processes; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
