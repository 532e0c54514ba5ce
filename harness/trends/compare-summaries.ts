// What changed from one suite (or run) summary to another, cell by cell (matched by id; two
// lone runs match whatever their names): verdicts per checker (a cell's verdict is its worst seed:
// valid < unknown < invalid), R1–R3 (yes < eventual < no), expectations that passed and no longer
// do, and key numbers (the mean over seeds) that moved beyond the noise threshold: more than
// `threshold` of the larger value and at least `floor` in absolute terms. A REGRESSION is a worse
// verdict, a worse requirement or a newly unmet expectation; numbers are reported (worse / better
// where their direction is known) and are regressions only with `numbersRegress`. Cells that did
// not run (skipped) on either side are not compared. Pure.
import type { Validity } from "../../checkers/checker.js";
import type { Outcome } from "../suite/expectations.js";
import { REQUIREMENTS, type RequirementValue, worstValue } from "../suite/requirements.js";
import type { CellReport, SuiteSummary } from "../suite/suite-summary.js";

export interface CompareOptions {
  /** Relative change that counts (default 0.25: 25%). */
  threshold?: number;
  /** Absolute change below which a number never counts (default 1). */
  floor?: number;
  /** Numbers that got worse beyond the threshold are regressions too. */
  numbersRegress?: boolean;
}

export type ChangeKind = "regression" | "improvement" | "change";

export interface Change {
  cell: string;
  kind: ChangeKind;
  subject: string;
  before: string;
  after: string;
  /** For a number: its relative change, and whether higher is better (undefined: unknown). */
  relative?: number;
}

export interface Comparison {
  changes: Change[];
  /** Cells compared without any change. */
  unchanged: string[];
  /** Cells on one side only, or skipped on one side. */
  onlyBefore: string[];
  onlyAfter: string[];
  notRun: string[];
  regressions: number;
}

const VERDICT_RANK: Record<string, number> = { true: 0, unknown: 1, false: 2 };
const VERDICT_WORD: Record<string, string> = {
  true: "valid",
  unknown: "unknown",
  false: "invalid",
};
const rankOf = (v: Validity) => VERDICT_RANK[String(v)] ?? 1;
const REQUIREMENT_RANK: Record<RequirementValue, number> = {
  yes: 0,
  eventual: 1,
  no: 2,
  unknown: -1,
};

/** Names of numbers where higher is better, and where lower is; the rest have no direction. */
const HIGHER_BETTER = /(okPerSecond|opsPerSecond|\.acknowledged|\.stable|\.preserved)$/;
const LOWER_BETTER =
  /(Ms|MsMax|Ms\.p99|\.lost|\.dropped|\.divergent|\.unexpected|\.duplicated|\.unread|superseded-read|superseded-final-read|monotonic-reads|read-your-writes|lost-update|unreflected|probe-rounds-disagreeing|\.stale|resurrected|false-sibling)$/;

export function compareSummaries(
  before: SuiteSummary,
  after: SuiteSummary,
  options: CompareOptions = {},
): Comparison {
  const lone = before.cells.length === 1 && after.cells.length === 1;
  const key = (cell: CellReport) => (lone ? "run" : cell.id);
  const a = new Map(before.cells.map((c) => [key(c), c]));
  const b = new Map(after.cells.map((c) => [key(c), c]));
  const result: Comparison = {
    changes: [],
    unchanged: [],
    onlyBefore: [...a.keys()].filter((id) => !b.has(id)).map((id) => a.get(id)!.id),
    onlyAfter: [...b.keys()].filter((id) => !a.has(id)).map((id) => b.get(id)!.id),
    notRun: [],
    regressions: 0,
  };
  for (const [id, cellB] of b) {
    const cellA = a.get(id);
    if (cellA === undefined) continue;
    if (cellA.runs.length === 0 || cellB.runs.length === 0) {
      result.notRun.push(cellB.id);
      continue;
    }
    const changes = [
      ...verdictChanges(cellA, cellB),
      ...requirementChanges(cellA, cellB),
      ...expectationChanges(cellA, cellB),
      ...numberChanges(cellA, cellB, options),
    ];
    if (changes.length === 0) result.unchanged.push(cellB.id);
    result.changes.push(...changes);
  }
  result.regressions = result.changes.filter((c) => c.kind === "regression").length;
  return result;
}

function worstVerdict(verdicts: readonly Validity[]): Validity | undefined {
  let worst: Validity | undefined;
  for (const v of verdicts) {
    if (worst === undefined || rankOf(v) > rankOf(worst)) worst = v;
  }
  return worst;
}

function cellVerdicts(cell: CellReport): Map<string, Validity> {
  const names = new Set(cell.runs.flatMap((r) => Object.keys(r.verdicts)));
  const verdicts = new Map<string, Validity>();
  for (const name of names) {
    const worst = worstVerdict(
      cell.runs.flatMap((r) => (name in r.verdicts ? [r.verdicts[name]!] : [])),
    );
    if (worst !== undefined) verdicts.set(name, worst);
  }
  return verdicts;
}

function verdictChanges(a: CellReport, b: CellReport): Change[] {
  const before = cellVerdicts(a);
  const changes: Change[] = [];
  for (const [name, after] of cellVerdicts(b)) {
    const was = before.get(name);
    if (was === undefined || was === after) continue;
    const worse = rankOf(after) > rankOf(was);
    changes.push({
      cell: b.id,
      kind: worse ? "regression" : "improvement",
      subject: name,
      before: VERDICT_WORD[String(was)]!,
      after: VERDICT_WORD[String(after)]!,
    });
  }
  return changes;
}

function requirementChanges(a: CellReport, b: CellReport): Change[] {
  const measured = (cell: CellReport, r: (typeof REQUIREMENTS)[number]) =>
    worstValue(cell.runs.flatMap((run) => (run.requirements ? [run.requirements[r].value] : [])));
  return REQUIREMENTS.flatMap((r): Change[] => {
    const was = measured(a, r);
    const now = measured(b, r);
    if (was === now) return [];
    const kind: ChangeKind =
      was === "unknown" || now === "unknown"
        ? "change"
        : REQUIREMENT_RANK[now] > REQUIREMENT_RANK[was]
          ? "regression"
          : "improvement";
    return [{ cell: b.id, kind, subject: r, before: was, after: now }];
  });
}

function expectationChanges(a: CellReport, b: CellReport): Change[] {
  const before = new Map(a.expectations.map((e) => [`${e.kind} ${e.subject}`, e]));
  const unmet: Outcome[] = ["failed", "error", "unknown"];
  return b.expectations.flatMap((e): Change[] => {
    const was = before.get(`${e.kind} ${e.subject}`);
    if (was === undefined || was.outcome === e.outcome) return [];
    const kind: ChangeKind =
      was.outcome === "passed" && unmet.includes(e.outcome)
        ? "regression"
        : e.outcome === "passed"
          ? "improvement"
          : "change";
    return [
      {
        cell: b.id,
        kind,
        subject: `expected ${e.subject} ${e.expected}`,
        before: `${was.outcome} (${was.measured})`,
        after: `${e.outcome} (${e.measured})`,
      },
    ];
  });
}

function means(cell: CellReport): Map<string, number> {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const run of cell.runs) {
    for (const [name, value] of Object.entries(run.metrics)) {
      const s = sums.get(name) ?? { sum: 0, n: 0 };
      s.sum += value;
      s.n++;
      sums.set(name, s);
    }
  }
  return new Map([...sums].map(([name, { sum, n }]) => [name, sum / n]));
}

function numberChanges(a: CellReport, b: CellReport, options: CompareOptions): Change[] {
  const threshold = options.threshold ?? 0.25;
  const floor = options.floor ?? 1;
  const before = means(a);
  const changes: Change[] = [];
  for (const [name, now] of means(b)) {
    const was = before.get(name);
    if (was === undefined) continue;
    const delta = now - was;
    const scale = Math.max(Math.abs(was), Math.abs(now));
    if (Math.abs(delta) < floor || Math.abs(delta) <= threshold * scale) continue;
    const direction = HIGHER_BETTER.test(name) ? 1 : LOWER_BETTER.test(name) ? -1 : 0;
    const worse = direction !== 0 && Math.sign(delta) !== direction;
    const kind: ChangeKind =
      direction === 0
        ? "change"
        : worse
          ? options.numbersRegress
            ? "regression"
            : "change"
          : "improvement";
    changes.push({
      cell: b.id,
      kind,
      subject: worse ? `${name} (worse)` : direction === 0 ? name : `${name} (better)`,
      before: round(was),
      after: round(now),
      relative: was === 0 ? Number.POSITIVE_INFINITY : delta / Math.abs(was),
    });
  }
  return changes;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** The comparison as lines for a terminal or a CI log. */
export function comparisonText(before: SuiteSummary, after: SuiteSummary, c: Comparison): string {
  const head = (s: SuiteSummary) =>
    `${s.suite} ${s.startedAt}${s.git.commit ? ` (commit ${s.git.commit.slice(0, 12)})` : ""}`;
  const label = { regression: "REGRESSION", improvement: "improved  ", change: "changed   " };
  const order: ChangeKind[] = ["regression", "improvement", "change"];
  const lines = [`compare ${head(before)}`, `     to ${head(after)}`, ""];
  for (const kind of order) {
    for (const change of c.changes.filter((x) => x.kind === kind)) {
      const pct =
        change.relative === undefined || !Number.isFinite(change.relative)
          ? ""
          : ` (${change.relative > 0 ? "+" : ""}${Math.round(change.relative * 100)}%)`;
      lines.push(
        `${label[kind]}  ${change.cell}: ${change.subject} ${change.before} → ${change.after}${pct}`,
      );
    }
  }
  if (c.onlyBefore.length > 0) lines.push(`gone: ${c.onlyBefore.join(", ")}`);
  if (c.onlyAfter.length > 0) lines.push(`new: ${c.onlyAfter.join(", ")}`);
  if (c.notRun.length > 0) lines.push(`not run on one side: ${c.notRun.join(", ")}`);
  lines.push(
    `unchanged: ${c.unchanged.length} cell${c.unchanged.length === 1 ? "" : "s"}`,
    c.regressions > 0
      ? `${c.regressions} regression${c.regressions === 1 ? "" : "s"}`
      : "no regression",
  );
  return lines.join("\n");
}
