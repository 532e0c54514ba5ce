// What the trend page shows of one cell, from its recorded runs (oldest first): the verdict of
// each run, the key numbers over time (the counts of the anomalies that ever showed, throughput,
// convergence time: at most SERIES_MAX series), the flake rate — the share of consecutive runs
// whose verdicts differ — and the last change of verdict with the commits on either side of it
// (the runs just before and at the change). Pure.
import type { Validity } from "../../checkers/checker.js";
import type { CellRunRow } from "./trend-store.js";

export interface Point {
  at: Date;
  value: number;
  commit?: string;
  seed: number;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface VerdictChange {
  from?: Validity;
  to?: Validity;
  /** The last run before the change, and the first after it. */
  before: { at: Date; commit?: string; seed: number; runDir?: string };
  after: { at: Date; commit?: string; seed: number; runDir?: string };
}

export interface CellTrend {
  cell: string;
  label: string;
  runs: number;
  verdicts: { at: Date; valid?: Validity; commit?: string; seed: number; runDir?: string }[];
  series: Series[];
  /** Verdict flips between consecutive runs / (runs − 1); 0 with fewer than two runs. */
  flakeRate: number;
  invalidRuns: number;
  lastChange?: VerdictChange;
}

export const SERIES_MAX = 6;

/** Always plotted when present: how fast, and how long the replicas took to agree. */
const ALWAYS = ["stats.okPerSecond", "convergence.convergenceMs"];
/** Anomaly counts worth plotting once they are ever above zero. */
const ANOMALIES =
  /\.(lost|dropped|divergent|unexpected|duplicated|superseded-read|superseded-final-read|monotonic-reads|read-your-writes|lost-update|unreflected|probe-rounds-disagreeing|resurrected|false-sibling)$/;

export function cellTrends(rows: readonly CellRunRow[]): CellTrend[] {
  const byCell = new Map<string, CellRunRow[]>();
  for (const row of rows) {
    const list = byCell.get(row.cell) ?? [];
    list.push(row);
    byCell.set(row.cell, list);
  }
  return [...byCell.values()].map(cellTrend);
}

function cellTrend(rows: CellRunRow[]): CellTrend {
  const sorted = [...rows].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const names = new Set<string>();
  for (const row of sorted) {
    for (const [name, value] of Object.entries(row.metrics)) {
      if (ALWAYS.includes(name) || (ANOMALIES.test(name) && value > 0)) names.add(name);
    }
  }
  const ordered = [
    ...[...names].filter((n) => !ALWAYS.includes(n)).sort(),
    ...ALWAYS.filter((n) => names.has(n)),
  ].slice(0, SERIES_MAX);
  const series = ordered.map((name) => ({
    name,
    points: sorted.flatMap((row) =>
      typeof row.metrics[name] === "number"
        ? [{ at: row.startedAt, value: row.metrics[name]!, seed: row.seed, ...commitOf(row) }]
        : [],
    ),
  }));
  const verdicts = sorted.map((row) => ({
    at: row.startedAt,
    ...(row.valid !== undefined && { valid: row.valid }),
    ...commitOf(row),
    seed: row.seed,
    ...(row.runDir !== undefined && { runDir: row.runDir }),
  }));
  let flips = 0;
  let lastChange: VerdictChange | undefined;
  for (let i = 1; i < verdicts.length; i++) {
    const [was, now] = [verdicts[i - 1]!, verdicts[i]!];
    if (was.valid === now.valid) continue;
    flips++;
    lastChange = {
      ...(was.valid !== undefined && { from: was.valid }),
      ...(now.valid !== undefined && { to: now.valid }),
      before: was,
      after: now,
    };
  }
  return {
    cell: sorted[0]!.cell,
    label: sorted[sorted.length - 1]!.label,
    runs: sorted.length,
    verdicts,
    series,
    flakeRate: verdicts.length < 2 ? 0 : flips / (verdicts.length - 1),
    invalidRuns: verdicts.filter((v) => v.valid === false).length,
    ...(lastChange !== undefined && { lastChange }),
  };
}

function commitOf(row: CellRunRow): { commit?: string } {
  return row.gitCommit === undefined ? {} : { commit: row.gitCommit };
}
