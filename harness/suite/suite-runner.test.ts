import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadTestConfig } from "../config/load-test-config.js";
import type { RunCell } from "./run-cell.js";
import { cellTestFile, expandCells } from "./suite-cells.js";
import { mergeSummaries } from "./suite-merge.js";
import { runSuite } from "./suite-runner.js";
import { buildSummary, type SuiteSummary } from "./suite-summary.js";
import { results, suite } from "./test-fixtures/results.js";

vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

const store = mkdtempSync(join(tmpdir(), "faultline-suite-runner-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const SUITE = suite(`name: r
seeds: [1, 2]
axes:
  a:
    - { name: one, expect: { lost-writes: invalid } }
    - { name: two }
    - { name: three }
    - { name: four }
`);

/** A runCell that takes `ms` per run, finds lost writes in cell "one", and notes what ran. */
function fakeRunCell(ms: number, log: string[], gauge = { now: 0, max: 0 }): RunCell {
  return async (suite, cell, seed, storeDir, options) => {
    const config = loadTestConfig({ file: cellTestFile(suite, cell, seed, storeDir), env: {} });
    const runDir = join(storeDir, cell.id, `run-${seed}`);
    mkdirSync(runDir, { recursive: true });
    options.status.runDir = runDir;
    log.push(`${cell.id} ${seed}`);
    gauge.max = Math.max(gauge.max, ++gauge.now);
    await new Promise<void>((resolve) => {
      if (options.interrupt.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      options.interrupt.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    gauge.now--;
    if (options.interrupt.aborted) return { config, outcome: { runDir, interrupted: true } };
    if (cell.id === "three") throw new Error("the runtime fell over");
    const r = results({ lost: cell.id === "one" ? 2 : 0 });
    const valid = cell.id !== "one";
    const check = { valid, results: r, warnings: [], opCount: 10 };
    return { config, outcome: { runDir, interrupted: false, check } };
  };
}

const options = (suiteDir: string, runCell: RunCell, interrupt = new AbortController().signal) => ({
  suite: SUITE,
  cells: expandCells(SUITE),
  suiteDir,
  interrupt,
  log: () => {},
  runCell,
});

describe("the suite runner", () => {
  it("runs every cell's seeds and judges them; a crashed run is an error, never a pass", async () => {
    const log: string[] = [];
    const dir = join(store, "all");
    const { cells, interrupted } = await runSuite(options(dir, fakeRunCell(1, log)));
    expect(interrupted).toBe(false);
    expect(log).toEqual([
      "one 1",
      "one 2",
      "two 1",
      "two 2",
      "three 1",
      "three 2",
      "four 1",
      "four 2",
    ]);
    expect(cells.map((c) => [c.id, c.outcome])).toEqual([
      ["one", "passed"],
      ["two", "passed"],
      ["three", "error"],
      ["four", "passed"],
    ]);
    expect(cells[0]!.runs.map((r) => r.runDir)).toEqual(["one/run-1", "one/run-2"]);
    expect(cells[2]!.runs[0]!.error).toBe("internal error: the runtime fell over");
  });

  it("runs `parallel` cells at once, never more", async () => {
    const gauge = { now: 0, max: 0 };
    const { cells } = await runSuite({
      ...options(join(store, "parallel"), fakeRunCell(20, [], gauge)),
      parallel: 2,
    });
    expect(gauge.max).toBe(2);
    expect(cells.map((c) => c.index)).toEqual([0, 1, 2, 3]);
  });

  it("starts no cell once the time budget has passed, and reports those cells skipped", async () => {
    const log: string[] = [];
    const { cells } = await runSuite({
      ...options(join(store, "budget"), fakeRunCell(30, log)),
      timeBudgetMs: 10,
    });
    expect(log).toEqual(["one 1", "one 2"]);
    expect(cells.map((c) => c.outcome)).toEqual(["passed", "skipped", "skipped", "skipped"]);
    expect(cells[1]!.skipped).toBe("the time budget (0s) ran out before it started");
    const summary = buildSummary({
      suite: SUITE,
      suiteCells: expandCells(SUITE),
      cells,
      startedAt: new Date(),
      finishedAt: new Date(),
      git: {},
      interrupted: false,
    });
    expect(summary.exitCode).toBe(2);
  });

  it("on an interrupt stops the running cell and starts none: all of them skipped", async () => {
    const interrupt = new AbortController();
    const log: string[] = [];
    const running = runSuite({
      ...options(join(store, "interrupt"), fakeRunCell(60_000, log), interrupt.signal),
      log: (line) => {
        if (line.includes("running")) interrupt.abort();
      },
    });
    const { cells, interrupted } = await running;
    expect(interrupted).toBe(true);
    expect(log).toEqual(["one 1"]);
    expect(cells.map((c) => c.outcome)).toEqual(["skipped", "skipped", "skipped", "skipped"]);
    expect(cells[0]!.skipped).toMatch(/interrupted/);
    expect(cells[0]!.runs[0]).toMatchObject({ seed: 1, interrupted: true, runDir: "one/run-1" });
  });

  it("shards run apart merge into the whole suite, links pointing from the merged folder", async () => {
    const all = expandCells(SUITE);
    const shards = [1, 2].map((index) => ({ index, count: 2 }));
    const summaries: { dir: string; summary: SuiteSummary }[] = [];
    for (const shard of shards) {
      const dir = join(store, "shards", String(shard.index));
      const cells = all.filter((c) => c.index % 2 === shard.index - 1);
      const run = await runSuite({ ...options(dir, fakeRunCell(1, [])), cells });
      const now = new Date();
      summaries.push({
        dir,
        summary: buildSummary({
          ...{ suite: SUITE, suiteCells: all, cells: run.cells, startedAt: now, finishedAt: now },
          ...{ git: {}, shard, interrupted: false },
        }),
      });
    }
    const merged = mergeSummaries(summaries, join(store, "merged"));
    expect(merged.cells.map((c) => [c.id, c.outcome])).toEqual([
      ["one", "passed"],
      ["two", "passed"],
      ["three", "error"],
      ["four", "passed"],
    ]);
    expect(merged.shards).toEqual(shards);
    expect(merged.cells[1]!.runs[0]!.runDir).toBe("../shards/2/two/run-1");
    // One shard alone: the other's cells are skipped, not passed.
    const half = mergeSummaries([summaries[0]!], join(store, "half"));
    expect(half.cells.map((c) => c.outcome)).toEqual(["passed", "skipped", "error", "skipped"]);
    expect(() => mergeSummaries([summaries[0]!, summaries[0]!], store)).toThrow(/is in both/);
    const other = { ...summaries[1]!, summary: { ...summaries[1]!.summary, suiteHash: "x" } };
    expect(() => mergeSummaries([summaries[0]!, other], store)).toThrow(/not shards of one suite/);
  });
});
