// The HTML report's data, computed from a stored run: a pure function from the test (test.json),
// its history and the checkers' results to one JSON-able object that report.js renders. Every
// number the page shows is computed here (and unit-tested); the page only lays it out.
import type { CheckResult, Validity } from "../../checkers/checker.js";
import type { History, Op } from "../../checkers/history.js";
import { systemOf, type TestConfig } from "../config/test-config.js";
import { toTestFile } from "../config/test-file.js";
import {
  type FaultInterval,
  faultIntervals,
  type NemesisEvent,
  seconds,
} from "./fault-intervals.js";
import { type FinalReadTable, finalReadTable, shorten } from "./final-read-table.js";
import {
  clientOps,
  LATENCY_POINTS_MAX,
  type LatencyPoints,
  type LatencySummary,
  latencyPoints,
  latencySummary,
  type Throughput,
  throughput,
} from "./op-timeline.js";
import { type Reproduce, reproduceCommand } from "./reproduce-command.js";

/** results.json: the composite verdict and each checker's result. */
export interface StoredResults {
  valid: Validity;
  results: Record<string, CheckResult>;
  warnings?: string[];
  opCount?: number;
}

export interface ReportInput {
  test: TestConfig;
  history: History;
  results: StoredResults;
  /** The run directory's name in the store ("cart-leaderless-lww/20261127T152912.419Z"). */
  runName?: string;
  /** Files of the run directory, relative to it ("nodes/n1.log"), for the links. */
  files?: readonly string[];
  latencyPointsMax?: number;
}

export interface CheckerRow {
  name: string;
  valid: Validity;
  anomalies: { name: string; count: number }[];
  /** Top-level numbers and `counts`, non-zero first. */
  numbers: { name: string; value: number }[];
  /** Quantile summaries (objects with p50 … max), e.g. a lag in ms. */
  distributions: { name: string; count: number; p50?: number; p99?: number; max?: number }[];
  counterexamples: number[];
  error?: string;
  explanation?: string;
}

export interface AnomalyExample {
  /** The example's details but its op indexes, as name → shortened JSON. */
  details: [string, string][];
  ops: number[];
}

export interface CheckerAnomalies {
  checker: string;
  valid: Validity;
  explanation?: string;
  error?: string;
  anomalies: { name: string; count: number; examples: AnomalyExample[] }[];
}

/** An op as the page shows it; `value` is JSON, shortened. */
export interface OpRow {
  index: number;
  timeS: number;
  process: string;
  type: string;
  f: string;
  key?: string;
  node?: string;
  value: string;
  error?: string;
}

export interface OpWindow {
  /** The counterexample's history index, and the checkers that named it. */
  focus: number;
  checkers: string[];
  /** History order; the focus op's invoke/completion partner is included even when far away. */
  rows: OpRow[];
}

export interface ReportData {
  title: string;
  runName?: string;
  /** ISO time the run started, from the run folder's timestamp. */
  startedAt?: string;
  verdict: Validity;
  seed: number;
  reproduce: Reproduce;
  summary: {
    ops: { invoked: number; ok: number; fail: number; info: number; pending: number };
    durationS: number;
    faults: number;
    historyLength: number;
  };
  checkers: CheckerRow[];
  warnings: string[];
  settings: [string, string][];
  test: TestConfig;
  throughput: Throughput;
  latency: LatencyPoints;
  latencySummary: LatencySummary[];
  faults: FaultInterval[];
  nemesisEvents: NemesisEvent[];
  finalReads?: FinalReadTable;
  anomalies: CheckerAnomalies[];
  windows: OpWindow[];
  files: string[];
}

export const WINDOW_RADIUS = 4;
const WINDOWS_MAX = 40;
const VALUE_CHARS_MAX = 600;

/** 20261127T152912.419Z (the store's folder name) → 2026-11-27T15:29:12.419Z. */
export function startedAtOf(runName: string | undefined): string | undefined {
  const folder = runName?.split("/").pop() ?? "";
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?Z/.exec(folder);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, frac] = match;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ?? ""}Z`;
}

function isQuantiles(value: unknown): value is { count: number; p50?: number; max?: number } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { count?: unknown }).count === "number" &&
    ("max" in value || (value as { count: number }).count === 0)
  );
}

export function checkerRow(name: string, result: CheckResult): CheckerRow {
  const numbers: { name: string; value: number }[] = [];
  const distributions: CheckerRow["distributions"] = [];
  for (const [field, value] of Object.entries(result)) {
    if (typeof value === "number") numbers.push({ name: field, value });
    else if (field === "counts" && typeof value === "object" && value !== null) {
      for (const [inner, n] of Object.entries(value))
        if (typeof n === "number") numbers.push({ name: inner, value: n });
    } else if (isQuantiles(value)) {
      const q = value as { count: number; p50?: number; p99?: number; max?: number };
      distributions.push({ name: field, count: q.count, p50: q.p50, p99: q.p99, max: q.max });
    }
  }
  const counts = (result.counts ?? {}) as Record<string, unknown>;
  const anomalies = (Array.isArray(result.anomalies) ? result.anomalies : []).map((anomaly) => ({
    name: String(anomaly),
    count: typeof counts[String(anomaly)] === "number" ? (counts[String(anomaly)] as number) : 0,
  }));
  const explanation = (result.failure as { explanation?: unknown } | undefined)?.explanation;
  return {
    name,
    valid: result.valid,
    anomalies,
    numbers: [...numbers.filter((n) => n.value !== 0), ...numbers.filter((n) => n.value === 0)],
    distributions,
    counterexamples: [...(result.counterexamples ?? [])],
    ...(result.error !== undefined && { error: result.error }),
    ...(typeof explanation === "string" && { explanation }),
  };
}

function checkerAnomalies(row: CheckerRow, result: CheckResult): CheckerAnomalies {
  const examples = (result.examples ?? {}) as Record<string, unknown>;
  const names = new Set([...row.anomalies.map((a) => a.name), ...Object.keys(examples)]);
  return {
    checker: row.name,
    valid: row.valid,
    ...(row.explanation !== undefined && { explanation: row.explanation }),
    ...(row.error !== undefined && { error: row.error }),
    anomalies: [...names].map((name) => {
      const list = Array.isArray(examples[name]) ? (examples[name] as unknown[]) : [];
      return {
        name,
        count: row.anomalies.find((a) => a.name === name)?.count ?? list.length,
        examples: list.map((example): AnomalyExample => {
          const record =
            typeof example === "object" && example !== null
              ? (example as Record<string, unknown>)
              : { value: example };
          const ops = Array.isArray(record.ops)
            ? record.ops.filter((i): i is number => typeof i === "number")
            : [];
          const details = Object.entries(record)
            .filter(([field]) => field !== "ops")
            .map(([field, value]): [string, string] => [
              field,
              shorten(typeof value === "string" ? value : JSON.stringify(value), 200),
            ]);
          return { details, ops };
        }),
      };
    }),
  };
}

function opRow(op: Op): OpRow {
  return {
    index: op.index,
    timeS: seconds(op.time),
    process: String(op.process),
    type: op.type,
    f: op.f,
    ...(op.key !== undefined && { key: String(op.key) }),
    ...(op.node !== undefined && { node: String(op.node) }),
    value: shorten(JSON.stringify(op.value) ?? "", VALUE_CHARS_MAX),
    ...(op.error !== undefined && { error: String(op.error) }),
  };
}

/** The ops around each counterexample: ±WINDOW_RADIUS in history order, plus the op's partner. */
export function opWindows(
  history: History,
  named: readonly { checker: string; indexes: readonly number[] }[],
): OpWindow[] {
  const position = new Map<number, number>();
  history.forEach((op, i) => {
    position.set(op.index, i);
  });
  const byFocus = new Map<number, string[]>();
  for (const { checker, indexes } of named) {
    for (const index of indexes) {
      if (!position.has(index)) continue;
      const list = byFocus.get(index) ?? [];
      if (!list.includes(checker)) list.push(checker);
      byFocus.set(index, list);
    }
  }
  const windows: OpWindow[] = [];
  for (const [focus, checkers] of [...byFocus].slice(0, WINDOWS_MAX)) {
    const at = position.get(focus)!;
    const picked = new Set<number>();
    for (let i = Math.max(0, at - WINDOW_RADIUS); i <= at + WINDOW_RADIUS; i++) {
      if (i < history.length) picked.add(i);
    }
    const partner = partnerOf(history, at);
    if (partner !== undefined) picked.add(partner);
    const rows = [...picked].sort((a, b) => a - b).map((i) => opRow(history[i]!));
    windows.push({ focus, checkers, rows });
  }
  return windows;
}

/** The position of an op's invoke (for a completion) or completion (for an invoke). */
function partnerOf(history: History, at: number): number | undefined {
  const op = history[at]!;
  if (op.process === "nemesis") return undefined;
  if (op.type === "invoke") {
    for (let i = at + 1; i < history.length; i++)
      if (history[i]!.process === op.process) return history[i]!.type === "invoke" ? undefined : i;
  } else {
    for (let i = at - 1; i >= 0; i--)
      if (history[i]!.process === op.process) return history[i]!.type === "invoke" ? i : undefined;
  }
  return undefined;
}

/** "key value, key value" for a section in the test file's words (durations as "4s"). */
function sectionWords(section: unknown): string {
  if (typeof section !== "object" || section === null) return String(section);
  return Object.entries(section)
    .filter(([key]) => key !== "name")
    .map(([key, value]) => `${key} ${Array.isArray(value) ? value.join(", ") : String(value)}`)
    .join(", ");
}

function settingsOf(test: TestConfig): [string, string][] {
  const file = toTestFile(test) as Record<string, Record<string, unknown>>;
  const n = file.nemesis!;
  const kinds = test.nemesis.kinds;
  const clients = file.clients!;
  const rows: [string, string | undefined][] = [
    ["system", `${systemOf(test).describe(test.system)} (${test.runtime.name} runtime)`],
    ...systemOf(test).settings(test.system),
    ["workload", `${test.workload.name}: ${sectionWords(file.workload)}`],
    [
      "clients",
      `${test.clients.concurrency} at ${test.clients.rate === 0 ? "max rate" : `${test.clients.rate} ops/s`}, op timeout ${clients.opTimeout}`,
    ],
    ["time limit", String(file.timeLimit)],
    [
      "nemesis",
      kinds.length > 0
        ? `${kinds.join(", ")} every ${n.interval} ± ${n.jitter}, lasting ${n.faultDuration}`
        : "none",
    ],
    ...kinds.map((kind): [string, string] => [kind, sectionWords(n[kind]) || "defaults"]),
    ["checkers", test.checkers.names.join(", ")],
    ["consistency claim", test.checkers.consistency],
    ["quiescence timeout", String(file.quiescenceTimeout)],
    ["seed", String(test.seed)],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== "");
}

export function reportData(input: ReportInput): ReportData {
  const { test, history, results } = input;
  const ops = clientOps(history);
  const endNs = history.reduce((max, op) => Math.max(max, op.time), 0);
  const counts = { invoked: ops.length, ok: 0, fail: 0, info: 0, pending: 0 };
  for (const { complete } of ops) {
    if (complete === undefined) counts.pending++;
    else if (complete.type === "ok") counts.ok++;
    else if (complete.type === "fail") counts.fail++;
    else counts.info++;
  }
  const { faults, events } = faultIntervals(history);
  const entries = Object.entries(results.results ?? {});
  const checkers = entries.map(([name, result]) => checkerRow(name, result));
  const anomalies = entries
    .map(([, result], i) => checkerAnomalies(checkers[i]!, result))
    .filter(
      (section) =>
        section.valid !== true ||
        section.anomalies.some((a) => a.count > 0 || a.examples.length > 0),
    );
  // The verdict's counterexamples first, then the ops of reported (allowed) anomalies' examples.
  const named = [
    ...checkers.map((row) => ({ checker: row.name, indexes: row.counterexamples })),
    ...anomalies.map((section) => ({
      checker: section.checker,
      indexes: section.anomalies.flatMap((a) => a.examples.flatMap((e) => e.ops)),
    })),
  ];
  const startedAt = startedAtOf(input.runName);
  const finalReads = finalReadTable(ops);
  return {
    title: test.name,
    ...(input.runName !== undefined && { runName: input.runName }),
    ...(startedAt !== undefined && { startedAt }),
    verdict: results.valid,
    seed: test.seed,
    reproduce: reproduceCommand(test),
    summary: {
      ops: counts,
      durationS: seconds(endNs),
      faults: faults.length,
      historyLength: history.length,
    },
    checkers,
    warnings: [...(results.warnings ?? [])],
    settings: settingsOf(test),
    test,
    throughput: throughput(ops, endNs),
    latency: latencyPoints(ops, input.latencyPointsMax ?? LATENCY_POINTS_MAX),
    latencySummary: latencySummary(ops),
    faults,
    nemesisEvents: events,
    ...(finalReads !== undefined && { finalReads }),
    anomalies,
    windows: opWindows(history, named),
    files: [...(input.files ?? [])].sort(),
  };
}
