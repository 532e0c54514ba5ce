// Runs a suite's cells: one at a time, or `parallel` at once, each cell's seeds one after the
// other (runCell: the test loader and the runner, as `faultline run`), into the suite's folder.
// Once the time budget has passed no new cell starts; once the interrupt fires (Ctrl-C) the
// running cells stop as a run does (their histories flushed and readable, their nodes stopped)
// and none starts. Cells that did not run are reported skipped, with why. Logs a line as each
// run starts and ends.
import { relative } from "node:path";
import { UsageError } from "../cli-error.js";
import { addExitHook } from "../process-exit.js";
import { newRunStatus } from "../run/run-status.js";
import { verdictWord } from "../run/run-summary.js";
import { plannedCheckers, type RunCell, runCell as defaultRunCell } from "./run-cell.js";
import type { Cell } from "./suite-cells.js";
import type { Suite } from "./suite-file.js";
import {
  type CellReport,
  judgeCell,
  type RunReport,
  runReport,
  skippedCell,
} from "./suite-summary.js";

export interface SuiteRunOptions {
  suite: Suite;
  /** The cells to run (one shard's, or all), in order. */
  cells: readonly Cell[];
  /** How many cells the whole suite has (its shards together), for the log's "[3/12]". */
  cellsInSuite?: number;
  /** How many cells run at once (default 1). */
  parallel?: number;
  /** No cell starts once this much time has passed since the suite started. */
  timeBudgetMs?: number;
  suiteDir: string;
  interrupt: AbortSignal;
  log(line: string): void;
  /** The loader + runner of one cell run (tests pass a fake). */
  runCell?: RunCell;
}

export interface SuiteRunResult {
  cells: CellReport[];
  interrupted: boolean;
}

export async function runSuite(options: SuiteRunOptions): Promise<SuiteRunResult> {
  const startMs = performance.now();
  const queue = [...options.cells];
  const done: CellReport[] = [];
  const skipped: CellReport[] = [];
  const total = options.cellsInSuite ?? options.cells.length;
  const skip = (cell: Cell, why: string) =>
    skippedCell(cell, why, plannedCheckers(options.suite, cell));
  const worker = async () => {
    for (let cell = queue.shift(); cell !== undefined; cell = queue.shift()) {
      if (options.interrupt.aborted) {
        skipped.push(skip(cell, "interrupted (Ctrl-C) before it started"));
      } else if (
        options.timeBudgetMs !== undefined &&
        performance.now() - startMs >= options.timeBudgetMs
      ) {
        const budget = `${Math.round(options.timeBudgetMs / 1000)}s`;
        skipped.push(skip(cell, `the time budget (${budget}) ran out before it started`));
      } else {
        done.push(await runCellSeeds(options, cell, `[${cell.index + 1}/${total}]`));
      }
    }
  };
  const parallel = Math.max(1, options.parallel ?? 1);
  await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, total)) }, worker));
  for (const cell of skipped)
    options.log(`[${cell.index + 1}/${total}] ${cell.id}: skipped, ${cell.skipped}`);
  return {
    cells: [...done, ...skipped].sort((a, b) => a.index - b.index),
    interrupted: options.interrupt.aborted,
  };
}

async function runCellSeeds(
  options: SuiteRunOptions,
  cell: Cell,
  tag: string,
): Promise<CellReport> {
  const runs: RunReport[] = [];
  for (const seed of cell.seeds) {
    if (options.interrupt.aborted) break;
    options.log(`${tag} ${cell.id} (seed ${seed}): running`);
    const run = await runOnce(options, cell, seed);
    runs.push(run);
    options.log(`${tag} ${cell.id} (seed ${seed}): ${describeRun(run)}`);
  }
  // A cell whose seeds did not all run was cut short: its remaining seeds count as interrupted.
  if (runs.length < cell.seeds.length && runs.every((r) => r.interrupted !== true)) {
    runs.push(
      runReport({
        seed: cell.seeds[runs.length]!,
        startedAt: new Date(),
        durationMs: 0,
        interrupted: true,
      }),
    );
  }
  const report = judgeCell(cell, runs);
  options.log(`${tag} ${cell.id}: ${report.outcome.toUpperCase()}${flakes(report)}`);
  for (const e of report.expectations.filter((e) => e.outcome !== "passed"))
    options.log(`    ${e.subject}: expected ${e.expected}, measured ${e.measured} (${e.outcome})`);
  return report;
}

function flakes(report: CellReport): string {
  return report.flakiness.length === 0 ? "" : ` (${report.flakiness.join("; ")})`;
}

async function runOnce(options: SuiteRunOptions, cell: Cell, seed: number): Promise<RunReport> {
  const startedAt = new Date();
  const startMs = performance.now();
  const status = newRunStatus(0);
  // However the process ends mid-run (a second Ctrl-C), the history so far stays readable.
  const removeFlush = addExitHook(() => status.flushHistory?.());
  const runCell = options.runCell ?? defaultRunCell;
  const runDirOf = (dir: string | undefined) =>
    dir === undefined ? undefined : relative(options.suiteDir, dir).split("\\").join("/");
  try {
    const { config, outcome } = await runCell(options.suite, cell, seed, options.suiteDir, {
      interrupt: options.interrupt,
      status,
    });
    const check = outcome.check;
    return runReport({
      seed,
      runDir: runDirOf(outcome.runDir),
      config,
      ...(check !== undefined && { results: check.results, valid: check.valid }),
      startedAt,
      durationMs: performance.now() - startMs,
      ...(outcome.interrupted && { interrupted: true, error: "interrupted" }),
    });
  } catch (err) {
    const interrupted = options.interrupt.aborted;
    const why = err instanceof Error ? err.message : String(err);
    return runReport({
      seed,
      runDir: runDirOf(status.runDir),
      startedAt,
      durationMs: performance.now() - startMs,
      error: interrupted
        ? "interrupted"
        : err instanceof UsageError
          ? why
          : `internal error: ${why}`,
      interrupted,
    });
  } finally {
    removeFlush();
  }
}

function describeRun(run: RunReport): string {
  const seconds = `${(run.durationMs / 1000).toFixed(1)}s`;
  if (run.interrupted === true) return `interrupted after ${seconds}`;
  if (run.valid === undefined) return `ERROR after ${seconds}: ${run.error ?? "no verdict"}`;
  const requirements = run.requirements
    ? `; ${Object.entries(run.requirements)
        .map(([r, m]) => `${r} ${m.value}`)
        .join(", ")}`
    : "";
  return `${verdictWord(run.valid)}${requirements} (${seconds}) ${run.runDir ?? ""}`.trimEnd();
}
