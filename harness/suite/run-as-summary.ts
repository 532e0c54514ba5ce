// A lone run (`faultline run`, or a stored run folder) as a one-cell suite summary, so the trend
// store records it and `faultline compare` compares it like a suite: the cell is the test's name,
// every checker is expected valid (as the run's own exit code judges it), R1–R3 are measured.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { CheckResult, Validity } from "../../checkers/checker.js";
import { UsageError } from "../cli-error.js";
import type { TestConfig } from "../config/test-config.js";
import { readTestJson } from "../config/test-file.js";
import { startedAtOf } from "../report/report-data.js";
import { runPaths } from "../store/run-store.js";
import { gitState } from "./git-state.js";
import type { Cell } from "./suite-cells.js";
import { buildSummary, judgeCell, runReport, type SuiteSummary } from "./suite-summary.js";

export interface StoredRun {
  runDir: string;
  config: TestConfig;
  results: Record<string, CheckResult>;
  valid: Validity;
}

export function runAsSummary(run: StoredRun, git = gitState()): SuiteSummary {
  const name = run.config.name;
  const startedAt = new Date(startedAtOf(run.runDir) ?? Date.now());
  const seconds = Number(run.results.stats?.durationSeconds ?? 0);
  const durationMs = Number.isFinite(seconds) ? seconds * 1000 : 0;
  const cell: Cell = {
    index: 0,
    id: name,
    label: name,
    axes: {},
    test: {},
    seeds: [run.config.seed],
    expect: { checkers: {}, requirements: {}, seedTable: {}, notes: [] },
    sources: [],
  };
  const report = runReport({
    seed: run.config.seed,
    runDir: resolve(run.runDir),
    config: run.config,
    results: run.results,
    valid: run.valid,
    startedAt,
    durationMs,
  });
  return buildSummary({
    suite: { name, path: runPaths(run.runDir).test, hash: report.configHash ?? "" },
    suiteCells: [cell],
    cells: [judgeCell(cell, [report])],
    startedAt,
    finishedAt: new Date(startedAt.getTime() + durationMs),
    git,
    interrupted: false,
  });
}

/** A stored run folder's test.json and results.json, or a UsageError naming what is missing. */
export function readStoredRun(runDir: string): StoredRun {
  const paths = runPaths(runDir);
  const text = (path: string): string => {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : err);
      throw new UsageError(
        `cannot read ${path}: ${why} (a run folder has test.json and results.json)`,
      );
    }
  };
  const config = readTestJson(paths.test, text(paths.test));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text(paths.results));
  } catch (err) {
    throw new UsageError(
      `${paths.results}: not JSON (${err instanceof Error ? err.message : err})`,
    );
  }
  const results = parsed as {
    valid?: Validity;
    results?: Record<string, CheckResult>;
  };
  if (typeof config.name !== "string" || typeof results.results !== "object") {
    throw new UsageError(
      `${runDir}: not a faultline run folder (test.json or results.json is not ours)`,
    );
  }
  return { runDir, config, results: results.results ?? {}, valid: results.valid ?? "unknown" };
}
