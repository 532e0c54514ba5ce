// summary.json: what a suite run found, the one source its junit.xml, summary.md and index.html,
// `faultline suite merge` and the trend store read. Per cell: each seed's run (verdicts, key
// numbers, R1–R3, the numbers trends plot), each expectation judged, how often the anomalies
// showed ("lost writes found in 4 of 5 seeds"), and the cell's outcome; a cell that never ran
// (time budget, Ctrl-C, another shard) is skipped, never passed. Exit code: 1 when any cell
// failed, else 255 when any run crashed, else 2 when any cell is unknown or skipped, else 0. Pure.
import { createHash } from "node:crypto";
import type { CheckResult, Validity } from "../../checkers/checker.js";
import { canonicalJson } from "../../checkers/read-values.js";
import { EXIT } from "../cli-error.js";
import type { TestConfig } from "../config/test-config.js";
import { exampleLines, keyNumbers } from "../run/run-summary.js";
import {
  type CheckerExpectation,
  judgeChecker,
  judgeRequirement,
  type Outcome,
  worstOutcome,
} from "./expectations.js";
import {
  measureRequirements,
  REQUIREMENTS,
  type Requirement,
  type RequirementValue,
  type Requirements,
} from "./requirements.js";
import type { Cell, Shard } from "./suite-cells.js";
import type { Suite } from "./suite-file.js";

export const SUMMARY_FORMAT = "faultline-suite-summary/1";

export interface RunReport {
  seed: number;
  /** The run's folder relative to the suite's ("single-node-lww/20261203T…"). */
  runDir?: string;
  /** Hash of the resolved test without its seed, name and store: the same cell config. */
  configHash?: string;
  startedAt: string;
  durationMs: number;
  /** The composite verdict; absent when the run did not finish. */
  valid?: Validity;
  verdicts: Record<string, Validity>;
  keyNumbers: Record<string, string>;
  /** The first counterexample lines of each checker that was not valid. */
  examples: Record<string, string[]>;
  requirements?: Requirements;
  /** Flat numbers for trends and compare: "lost-writes.lost", "stats.okPerSecond" … */
  metrics: Record<string, number>;
  /** Why the run did not finish (a crash, a bad config); `interrupted` for a Ctrl-C. */
  error?: string;
  interrupted?: boolean;
}

export interface ExpectationReport {
  /** A checker's name or R1 / R2 / R3. */
  subject: string;
  kind: "checker" | "requirement";
  expected: string;
  measured: string;
  outcome: Outcome;
  /** For an unmet expectation: the key numbers and first counterexamples behind it. */
  message?: string;
}

export interface CellRequirement {
  expected?: string;
  /** The seed's value, where the suite expects our store to differ from it. */
  seed?: string;
  value: RequirementValue;
  measured: string;
  why: string;
}

export interface CellReport {
  index: number;
  id: string;
  label: string;
  axes: Record<string, string>;
  seeds: number[];
  outcome: Outcome;
  /** Why the cell did not run. */
  skipped?: string;
  runs: RunReport[];
  expectations: ExpectationReport[];
  requirements: Partial<Record<Requirement, CellRequirement>>;
  /** e.g. "lost writes found in 4 of 5 seeds". */
  flakiness: string[];
  /** The suite's notes on the cell (why it differs from the seed's table). */
  notes: string[];
  durationMs: number;
}

export interface SuiteSummary {
  format: typeof SUMMARY_FORMAT;
  suite: string;
  suiteFile: string;
  suiteHash: string;
  description?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  git: GitState;
  /** The shard this summary covers; `shards` lists them after a merge. */
  shard?: Shard;
  shards?: Shard[];
  interrupted: boolean;
  timeBudgetMs?: number;
  outcome: Outcome;
  exitCode: number;
  counts: Record<Outcome | "cells" | "runs", number>;
  /** Every cell of the suite, run here or not (a merge finds the ones no shard ran). */
  suiteCells: { index: number; id: string; label: string }[];
  cells: CellReport[];
}

export interface GitState {
  commit?: string;
  dirty?: boolean;
}

/** A finished (or failed) run as the summary records it. */
export function runReport(run: {
  seed: number;
  runDir?: string;
  config?: TestConfig;
  results?: Record<string, CheckResult>;
  valid?: Validity;
  startedAt: Date;
  durationMs: number;
  error?: string;
  interrupted?: boolean;
}): RunReport {
  const results = run.results ?? {};
  const entries = Object.entries(results);
  return {
    seed: run.seed,
    ...(run.runDir !== undefined && { runDir: run.runDir }),
    ...(run.config !== undefined && { configHash: configHash(run.config) }),
    startedAt: run.startedAt.toISOString(),
    durationMs: Math.round(run.durationMs),
    ...(run.valid !== undefined && { valid: run.valid }),
    verdicts: Object.fromEntries(entries.map(([name, r]) => [name, r.valid])),
    keyNumbers: Object.fromEntries(entries.map(([name, r]) => [name, keyNumbers(r)])),
    examples: Object.fromEntries(
      entries.filter(([, r]) => r.valid !== true).map(([name, r]) => [name, exampleLines(r)]),
    ),
    ...(run.results !== undefined && { requirements: measureRequirements(results) }),
    metrics: runMetrics(results),
    ...(run.error !== undefined && { error: run.error }),
    ...(run.interrupted === true && { interrupted: true }),
  };
}

/** The resolved test's fingerprint, without what differs between the runs of one cell. */
export function configHash(config: TestConfig): string {
  const { seed: _seed, name: _name, store: _store, ...rest } = config;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex").slice(0, 16);
}

/** The numbers of a run worth a trend: every checker's counts, the convergence and lag times,
 * throughput, and each client op's latency quantiles (ms). */
export function runMetrics(results: Readonly<Record<string, CheckResult>>): Record<string, number> {
  const metrics: Record<string, number> = {};
  const put = (name: string, value: unknown) => {
    if (typeof value === "number" && Number.isFinite(value)) metrics[name] = value;
  };
  for (const [checker, result] of Object.entries(results)) {
    const counts = (result.counts ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(counts)) put(`${checker}.${name}`, value);
  }
  const convergence = results.convergence;
  put("convergence.convergenceMs", convergence?.convergenceMs);
  put(
    "convergence.disagreementMsMax",
    (convergence?.probes as { disagreementMsMax?: number } | undefined)?.disagreementMsMax,
  );
  put(
    "stale-reads.supersededLagMs.p99",
    (results["stale-reads"]?.supersededLagMs as { p99?: number } | undefined)?.p99,
  );
  const stats = results.stats;
  put("stats.okPerSecond", stats?.okPerSecond);
  put("stats.opsPerSecond", stats?.opsPerSecond);
  const byF = (stats?.byF ?? {}) as Record<string, { latencyMs?: { ok?: Record<string, number> } }>;
  for (const [f, s] of Object.entries(byF)) {
    if (f === "final-read" || f === "probe") continue;
    for (const q of ["p50", "p99"] as const) put(`stats.${f}.${q}Ms`, s.latencyMs?.ok?.[q]);
  }
  return metrics;
}

/** Phrases for "X found in k of n seeds", by checker. */
const FOUND: Record<string, string> = {
  "lost-writes": "lost writes",
  siblings: "sibling anomalies",
  convergence: "divergent replicas",
  "lost-updates": "lost updates",
  "stale-reads": "stale reads beyond the claim",
  linearizable: "non-linearizable histories",
};

function flakiness(runs: readonly RunReport[]): string[] {
  const finished = runs.filter((r) => r.valid !== undefined);
  if (finished.length < 2) return [];
  const names = [...new Set(finished.flatMap((r) => Object.keys(r.verdicts)))];
  return names.flatMap((name) => {
    const invalid = finished.filter((r) => r.verdicts[name] === false).length;
    if (invalid === 0 || invalid === finished.length) return [];
    return [`${FOUND[name] ?? `${name} invalid`} found in ${invalid} of ${finished.length} seeds`];
  });
}

/** One unmet expectation in words: what was expected and seen, and the runs that show it (the
 * ones that contradict the expectation first). */
function failureMessage(
  kind: "checker" | "requirement",
  subject: string,
  expected: string,
  measured: string,
  runs: readonly RunReport[],
): string {
  const shows = (run: RunReport) => {
    if (run.error !== undefined) return true;
    if (kind === "requirement")
      return run.requirements?.[subject as Requirement].value !== expected;
    const verdict = run.verdicts[subject];
    return expected === "valid" || expected === "not-invalid"
      ? verdict !== true
      : verdict !== false;
  };
  const ordered = [...runs.filter(shows), ...runs.filter((r) => !shows(r))];
  const lines = [`expected ${subject} ${expected}, measured ${measured}`];
  for (const run of ordered.slice(0, 3)) {
    if (kind === "checker") {
      const numbers = run.keyNumbers[subject];
      if (numbers !== undefined) lines.push(`seed ${run.seed}: ${numbers}`);
      for (const line of (run.examples[subject] ?? []).slice(0, 3)) lines.push(`  ${line}`);
    } else {
      const measuredRun = run.requirements?.[subject as Requirement];
      if (measuredRun !== undefined)
        lines.push(`seed ${run.seed}: ${measuredRun.value}: ${measuredRun.why}`);
    }
    if (run.error !== undefined) lines.push(`seed ${run.seed}: ${run.error}`);
  }
  return lines.join("\n");
}

function checkerExpectations(cell: Cell, runs: readonly RunReport[]): ExpectationReport[] {
  const finished = runs.filter((r) => r.valid !== undefined);
  const ran = [...new Set(finished.flatMap((r) => Object.keys(r.verdicts)))];
  const names = [...new Set([...ran, ...Object.keys(cell.expect.checkers)])];
  return names.map((subject) => {
    const expected: CheckerExpectation = cell.expect.checkers[subject] ?? "valid";
    // A run that crashed judged nothing: its verdict is unknown.
    const crashed = runs.filter((r) => r.valid === undefined && r.interrupted !== true);
    const verdicts = [
      ...finished.flatMap((r) => (subject in r.verdicts ? [r.verdicts[subject]!] : [])),
      ...crashed.map((): Validity => "unknown"),
    ];
    const { outcome, measured } = judgeChecker(expected, verdicts);
    return {
      subject,
      kind: "checker" as const,
      expected,
      measured,
      outcome,
      ...(outcome !== "passed" && {
        message: failureMessage("checker", subject, expected, measured, runs),
      }),
    };
  });
}

function requirementReports(cell: Cell, runs: readonly RunReport[]) {
  const expectations: ExpectationReport[] = [];
  const requirements: Partial<Record<Requirement, CellRequirement>> = {};
  const measuredRuns = runs.filter((r) => r.requirements !== undefined);
  for (const r of REQUIREMENTS) {
    const expected = cell.expect.requirements[r];
    if (measuredRuns.length === 0 && expected === undefined) continue;
    const values = measuredRuns.map((run) => run.requirements![r].value);
    const { outcome, measured, value } = judgeRequirement(expected ?? "any", values);
    const worst = measuredRuns.find((run) => run.requirements![r].value === value);
    const seed = cell.expect.seedTable[r];
    requirements[r] = {
      ...(expected !== undefined && { expected }),
      ...(seed !== undefined && { seed }),
      value,
      measured,
      why: worst?.requirements?.[r].why ?? "not measured",
    };
    if (expected === undefined) continue;
    expectations.push({
      subject: r,
      kind: "requirement",
      expected,
      measured,
      outcome,
      ...(outcome !== "passed" && {
        message: failureMessage("requirement", r, expected, measured, runs),
      }),
    });
  }
  return { expectations, requirements };
}

/** A cell whose runs ended (or failed): its expectations judged. */
export function judgeCell(cell: Cell, runs: RunReport[]): CellReport {
  const errors = runs.filter((r) => r.error !== undefined && r.interrupted !== true);
  const interrupted = runs.some((r) => r.interrupted === true);
  const checkers = checkerExpectations(cell, runs);
  const { expectations, requirements } = requirementReports(cell, runs);
  const all = [...checkers, ...expectations];
  const judged = worstOutcome(all.map((e) => e.outcome));
  const outcome: Outcome = interrupted
    ? "skipped"
    : errors.length > 0 && judged !== "failed"
      ? "error"
      : judged;
  return {
    ...cellHead(cell),
    outcome,
    ...(interrupted && { skipped: "interrupted (Ctrl-C) before its runs finished" }),
    runs,
    expectations: all,
    requirements,
    flakiness: flakiness(runs),
    notes: [...cell.expect.notes],
    durationMs: runs.reduce((sum, r) => sum + r.durationMs, 0),
  };
}

/** A cell that never ran: each expectation it would have had (the `checkers` its test runs,
 * unless expected otherwise, are expected valid) is skipped. */
export function skippedCell(cell: Cell, why: string, checkers: readonly string[]): CellReport {
  const subjects = [...new Set([...checkers, ...Object.keys(cell.expect.checkers)])];
  const skipped = (subject: string, kind: "checker" | "requirement", expected: string) =>
    ({ subject, kind, expected, measured: "not run", outcome: "skipped" }) as const;
  return {
    ...cellHead(cell),
    outcome: "skipped",
    skipped: why,
    runs: [],
    expectations: [
      ...subjects.map((s) => skipped(s, "checker", cell.expect.checkers[s] ?? "valid")),
      ...Object.entries(cell.expect.requirements).map(([r, e]) => skipped(r, "requirement", e!)),
    ],
    requirements: {},
    flakiness: [],
    notes: [...cell.expect.notes],
    durationMs: 0,
  };
}

function cellHead(cell: Cell) {
  return {
    index: cell.index,
    id: cell.id,
    label: cell.label,
    axes: { ...cell.axes },
    seeds: [...cell.seeds],
  };
}

export function summaryExitCode(cells: readonly CellReport[]): number {
  const outcome = worstOutcome(cells.map((c) => c.outcome));
  if (outcome === "failed") return EXIT.invalid;
  if (outcome === "error") return EXIT.internal;
  if (outcome === "unknown" || outcome === "skipped") return EXIT.unknown;
  return EXIT.valid;
}

export function buildSummary(input: {
  suite: Pick<Suite, "name" | "path" | "hash" | "description">;
  suiteCells: readonly { index: number; id: string; label: string }[];
  cells: CellReport[];
  startedAt: Date;
  finishedAt: Date;
  git: GitState;
  shard?: Shard;
  shards?: Shard[];
  interrupted: boolean;
  timeBudgetMs?: number;
}): SuiteSummary {
  const cells = [...input.cells].sort((a, b) => a.index - b.index);
  const counts = {
    cells: cells.length,
    runs: 0,
    passed: 0,
    failed: 0,
    unknown: 0,
    error: 0,
    skipped: 0,
  };
  for (const cell of cells) {
    counts[cell.outcome]++;
    counts.runs += cell.runs.length;
  }
  return {
    format: SUMMARY_FORMAT,
    suite: input.suite.name,
    suiteFile: input.suite.path,
    suiteHash: input.suite.hash,
    ...(input.suite.description !== undefined && { description: input.suite.description }),
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    git: input.git,
    ...(input.shard !== undefined && { shard: input.shard }),
    ...(input.shards !== undefined && { shards: input.shards }),
    interrupted: input.interrupted,
    ...(input.timeBudgetMs !== undefined && { timeBudgetMs: input.timeBudgetMs }),
    outcome: worstOutcome(cells.map((c) => c.outcome)),
    exitCode: summaryExitCode(cells),
    counts,
    suiteCells: input.suiteCells.map(({ index, id, label }) => ({ index, id, label })),
    cells,
  };
}
