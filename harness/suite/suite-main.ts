// `faultline suite <suite.yaml>` (and `faultline matrix`) after the flags are parsed: load and
// check the suite and every cell (exit 254 before anything runs), create the suite's folder, run
// the cells (this shard's), write summary.json, junit.xml, summary.md and index.html, print the
// R1–R3 table and the outcome, record the summary in the trend store when a database is named,
// and answer the exit code (0 all met, 1 any unmet, 2 any unknown or skipped, 255 a crashed run;
// 130 / 143 / 129 when interrupted). The first Ctrl-C stops the running cells as a run stops and
// writes the summary of what ran; a second exits at once (process-exit.ts).
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../cli-error.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { type ExitSignal, exitCodeOf, setInterruptHandler } from "../process-exit.js";
import { gitState } from "./git-state.js";
import { requirementRows, requirementTableText } from "./requirement-table.js";
import { expandCells, type Shard, shardCells, validateCells } from "./suite-cells.js";
import { loadSuite } from "./suite-file.js";
import { runSuite } from "./suite-runner.js";
import { createSuiteDir, SUITE_FILES, writeSuiteFiles } from "./suite-store.js";
import { buildSummary, type SuiteSummary } from "./suite-summary.js";

export interface SuiteMainOptions {
  file: string;
  parallel?: number;
  timeBudgetMs?: number;
  shard?: Shard;
  /** Every cell runs once per seed, instead of the suite file's seeds. */
  seeds?: readonly number[];
  storeDir?: string;
  /** Records the summary (trends); its errors are reported, never lost data: the files stay. */
  record?: (summary: SuiteSummary, suiteDir: string) => Promise<string>;
  out?: NodeJS.WritableStream;
}

function readSuiteFile(path: string): { path: string; text: string } {
  try {
    return { path, text: readFileSync(path, "utf8") };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`cannot read the suite file ${path}: ${code}`);
  }
}

export async function suiteMain(options: SuiteMainOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  const suite = loadSuite(readSuiteFile(options.file));
  const cells = expandCells(suite, undefined, options.seeds);
  validateCells(suite, cells);
  const selected = shardCells(cells, options.shard);
  const baseStore = typeof suite.base.store === "string" ? suite.base.store : undefined;
  const storeDir = options.storeDir ?? baseStore ?? loadTestConfig({}).store;
  const suiteDir = createSuiteDir(storeDir, suite.name);
  const shardText = options.shard ? ` (shard ${options.shard.index}/${options.shard.count})` : "";
  const seeds = [...new Set(selected.flatMap((c) => c.seeds))];
  out.write(
    `faultline suite ${suite.name}: ${selected.length} of ${cells.length} cells${shardText}, ` +
      `seeds ${seeds.join(", ")}, ${options.parallel ?? 1} at a time\n` +
      `suite: ${suiteDir}\n`,
  );

  const interrupt = new AbortController();
  let signalled: ExitSignal | undefined;
  const unsetInterrupt = setInterruptHandler((signal) => {
    signalled = signal;
    process.stderr.write(`\n${signal}: stopping the suite (again to exit at once)\n`);
    interrupt.abort();
  });
  const startedAt = new Date();
  try {
    const result = await runSuite({
      suite,
      cells: selected,
      cellsInSuite: cells.length,
      ...(options.parallel !== undefined && { parallel: options.parallel }),
      ...(options.timeBudgetMs !== undefined && { timeBudgetMs: options.timeBudgetMs }),
      suiteDir,
      interrupt: interrupt.signal,
      log: (line) => out.write(`${line}\n`),
    });
    // Each run pointed <suite dir>/latest at itself; the suite's own latest is one level up.
    rmSync(join(suiteDir, "latest"), { force: true });
    const summary = buildSummary({
      suite,
      suiteCells: cells,
      cells: result.cells,
      startedAt,
      finishedAt: new Date(),
      git: gitState(),
      ...(options.shard !== undefined && { shard: options.shard }),
      interrupted: result.interrupted,
      ...(options.timeBudgetMs !== undefined && { timeBudgetMs: options.timeBudgetMs }),
    });
    await writeSuiteFiles(suiteDir, summary);
    out.write(`\n${closingText(summary, suiteDir)}\n`);
    if (options.record !== undefined) {
      const note = await options
        .record(summary, suiteDir)
        .catch(
          (err: unknown) =>
            `trends: NOT recorded (${err instanceof Error ? err.message : String(err)}); the files are in ${suiteDir}`,
        );
      out.write(`${note}\n`);
    }
    return signalled !== undefined ? exitCodeOf(signalled) : summary.exitCode;
  } finally {
    unsetInterrupt();
  }
}

/** The R1–R3 table (when the suite measures requirements), the counts and the files. */
export function closingText(summary: SuiteSummary, suiteDir: string): string {
  const rows = requirementRows(summary);
  const { counts } = summary;
  const lines = [
    ...(rows.length > 0 ? [requirementTableText(rows), ""] : []),
    ...summary.cells.flatMap((c) => c.notes.map((note) => `note: ${c.label}: ${note}`)),
    `cells: ${counts.passed} passed, ${counts.failed} failed, ${counts.unknown} unknown, ` +
      `${counts.error} errors, ${counts.skipped} skipped (${counts.runs} runs in ${Math.round(summary.durationMs / 1000)}s)`,
    ...summary.cells.flatMap((c) => c.flakiness.map((f) => `flaky: ${c.label}: ${f}`)),
    ...Object.values(SUITE_FILES).map((file) => `${file}: ${suiteDir}/${file}`),
    `outcome: ${summary.outcome.toUpperCase()} (exit ${summary.exitCode})`,
  ];
  return lines.join("\n");
}
