// For suite and trend tests: checker results shaped as the real checkers shape them (the fields
// requirements.ts, runMetrics and the renderers read), built from a few numbers, and suites
// parsed from literal YAML.
import type { CheckResult } from "../../../checkers/checker.js";
import { type Cell, expandCells } from "../suite-cells.js";
import { loadSuite, type Suite } from "../suite-file.js";
import {
  buildSummary,
  judgeCell,
  type RunReport,
  runReport,
  type SuiteSummary,
  skippedCell,
} from "../suite-summary.js";

export interface RunShape {
  /** lost-writes: items lost (invalid when > 0). */
  lost?: number;
  /** convergence: keys still divergent; probe rounds that disagreed (of 10). */
  divergent?: number;
  disagreeing?: number;
  nodes?: number;
  /** stale-reads: reads that returned superseded values; ones after heal. */
  superseded?: number;
  supersededFinal?: number;
  okPerSecond?: number;
}

export function results(shape: RunShape = {}): Record<string, CheckResult> {
  const lost = shape.lost ?? 0;
  const divergent = shape.divergent ?? 0;
  const disagreeing = shape.disagreeing ?? 0;
  return {
    "lost-writes": {
      valid: lost === 0,
      anomalies: lost > 0 ? ["lost"] : [],
      counts: { added: 100, acknowledged: 100, stable: 100 - lost, lost, lostAcknowledged: lost },
      examples: lost > 0 ? { lost: [{ key: "k1", item: 7, ops: [3, 40] }] } : {},
      counterexamples: lost > 0 ? [3, 40] : [],
    },
    convergence: {
      valid: divergent === 0,
      counts: { keys: 3, nodes: shape.nodes ?? 3, divergent, unread: 0 },
      probes: {
        rounds: 10,
        judgedRounds: 10,
        disagreeingRounds: disagreeing,
        disagreementMsMax: disagreeing * 250,
      },
      agreedDuringRun: disagreeing === 0,
      ...(divergent === 0 && { convergenceMs: 12, agreedRound: 1, agreedAtFirstRound: true }),
    },
    "stale-reads": {
      valid: true,
      counts: {
        reads: 50,
        "superseded-read": shape.superseded ?? 0,
        "superseded-final-read": shape.supersededFinal ?? 0,
        "monotonic-reads": 0,
        "read-your-writes": 0,
        excused: 0,
      },
    },
    stats: {
      valid: true,
      okPerSecond: shape.okPerSecond ?? 90,
      opsPerSecond: 95,
      durationSeconds: 10,
      byF: {
        add: { count: 100, ok: 100, fail: 0, info: 0, latencyMs: { ok: { p50: 2, p99: 9 } } },
      },
    },
  };
}

/** A suite from YAML text (the file is named `path`). */
export function suite(text: string, path = "suites/t.yaml"): Suite {
  return loadSuite({ path, text });
}

/** A finished run of a cell, as the runner reports it. */
export function finishedRun(seed: number, shape: RunShape = {}, runDir = `cell/run-${seed}`) {
  const r = results(shape);
  const valid = !Object.values(r).some((x) => x.valid === false);
  return runReport({
    seed,
    runDir,
    results: r,
    valid,
    startedAt: new Date(Date.UTC(2026, 11, 3, 2, 0, seed)),
    durationMs: 10_000,
  });
}

/** The summary of a suite whose cells ran as `runsOf` says (undefined: skipped). */
export function summaryOf(
  s: Suite,
  runsOf: (cell: Cell) => RunReport[] | undefined,
  startedAt = new Date(Date.UTC(2026, 11, 3, 2, 0, 0)),
): SuiteSummary {
  const cells = expandCells(s);
  return buildSummary({
    suite: s,
    suiteCells: cells,
    cells: cells.map((cell) => {
      const runs = runsOf(cell);
      return runs === undefined
        ? skippedCell(cell, "the time budget (1s) ran out before it started", ["lost-writes"])
        : judgeCell(cell, runs);
    }),
    startedAt,
    finishedAt: new Date(startedAt.getTime() + 60_000),
    git: { commit: "0123456789abcdef0123", dirty: false },
    interrupted: false,
  });
}
