// One run of a suite cell, as `faultline run` would do it from a test file: the cell's merged test
// (with the run's seed, stored under the suite's folder) goes through the test loader and then
// to the runner. These two calls are the suite's only link to how a test is loaded and run.
import { loadTestConfig } from "../config/load-test-config.js";
import type { TestConfig } from "../config/test-config.js";
import { type RunOptions, type RunOutcome, runTest } from "../run/run-test.js";
import { type Cell, cellTestFile } from "./suite-cells.js";
import type { Suite } from "./suite-file.js";

export interface CellRun {
  config: TestConfig;
  outcome: RunOutcome;
}

export type RunCell = (
  suite: Suite,
  cell: Cell,
  seed: number,
  storeDir: string,
  options: RunOptions,
) => Promise<CellRun>;

export const runCell: RunCell = async (suite, cell, seed, storeDir, options) => {
  const config = loadTestConfig({ file: cellTestFile(suite, cell, seed, storeDir), env: {} });
  return { config, outcome: await runTest(config, options) };
};

/** The checkers a cell's runs would run (for a cell reported skipped). */
export function plannedCheckers(suite: Suite, cell: Cell): string[] {
  const seed = cell.seeds[0] ?? 0;
  return [...loadTestConfig({ file: cellTestFile(suite, cell, seed), env: {} }).checkers.names];
}
