// The HTML report's data, computed from a stored run: a pure function from the test (test.json),
// its history and the checkers' results to one JSON-able object that report.js renders. Every
// number the page shows is computed here (and unit-tested); the page only lays it out. The
// history is scanned once (history-scan.ts: from ops in memory, or a file scan that never builds
// them); the rest reads the scan's columns and looks up the few ops it shows in full.
// Every read of a TestConfig field is in settingsOf and the title/seed lines of reportData: a run
// of any system renders, showing what its test holds.
import type { CheckResult, Validity } from "../../checkers/checker.js";
import type { History } from "../../checkers/history.js";
import { systemOf, type TestConfig } from "../config/test-config.js";
import { toTestFile } from "../config/test-file.js";
import { type NamedOp, type OpWindow, opWindows } from "./counterexample-windows.js";
import {
  type FaultInterval,
  faultIntervals,
  type NemesisEvent,
  seconds,
} from "./fault-intervals.js";
import { type FaultKind, faultKind, HEAL_ALL, HEAL_ALL_LABEL } from "./fault-kinds.js";
import { type FinalReadTable, finalReadTable, shorten } from "./final-read-table.js";
import { type HistoryScan, scanHistory } from "./history-scan.js";
import { type LinearizationView, linearizationViews } from "./linearization-view.js";
import {
  LATENCY_POINTS_MAX,
  type LatencyPoints,
  type LatencySummary,
  latencyPoints,
  latencySummary,
  type SiblingSeries,
  siblingCounts,
  type Throughput,
  type Timeline,
  throughput,
  timeline,
} from "./op-timeline.js";
import { fColors, OUTCOME_COLORS, OUTCOMES, type Outcome } from "./palette.js";
import { plainWords } from "./plain-words.js";
import { type Reproduce, reproduceCommand } from "./reproduce-command.js";

/** results.json: the composite verdict and each checker's result. */
export interface StoredResults {
  valid: Validity;
  results: Record<string, CheckResult>;
  warnings?: string[];
  opCount?: number;
}

export type ReportInput = {
  test: TestConfig;
  results: StoredResults;
  /** The run directory's name in the store ("cart-leaderless-lww/20261127T152912.419Z"). */
  runName?: string;
  /** Files of the run directory, relative to it ("nodes/n1.log"), for the links. */
  files?: readonly string[];
  latencyPointsMax?: number;
} & ({ history: History } | { scan: HistoryScan });

export interface CheckerRow {
  name: string;
  valid: Validity;
  anomalies: { name: string; label: string; count: number }[];
  /** Top-level numbers and `counts`, non-zero first, each with its plain words. */
  numbers: { name: string; label: string; value: number }[];
  /** Quantile summaries (objects with p50 … max), e.g. a lag in ms. */
  distributions: {
    name: string;
    label: string;
    count: number;
    p50?: number;
    p99?: number;
    max?: number;
  }[];
  counterexamples: number[];
  error?: string;
  explanation?: string;
}

export interface AnomalyExample {
  /** The example's details but its op indexes, as plain words → shortened JSON. */
  details: [string, string][];
  ops: number[];
}

export interface CheckerAnomalies {
  checker: string;
  valid: Validity;
  explanation?: string;
  error?: string;
  anomalies: { name: string; label: string; count: number; examples: AnomalyExample[] }[];
}

export type { OpRow, OpWindow } from "./counterexample-windows.js";

export interface ReportData {
  title: string;
  runName?: string;
  /** ISO time the run started, from the run folder's timestamp. */
  startedAt?: string;
  /** Why the run folder's name gave no start time (shown; the rest renders). */
  startedAtProblem?: string;
  verdict: Validity;
  seed?: number;
  reproduce?: Reproduce;
  /** Why the flags cannot rerun the test (they do not load), or why there is no command. */
  reproduceProblem?: string;
  summary: {
    ops: { invoked: number; ok: number; fail: number; info: number; pending: number };
    finalReads: number;
    durationS: number;
    faults: number;
    historyLength: number;
  };
  checkers: CheckerRow[];
  warnings: string[];
  settings: [string, string][];
  test: TestConfig;
  palette: { outcomes: Record<Outcome, string>; fs: Record<string, string> };
  faultKinds: Record<string, FaultKind>;
  timeline: Timeline;
  throughput: Throughput;
  latency: LatencyPoints;
  latencySummary: LatencySummary[];
  siblings?: SiblingSeries;
  faults: FaultInterval[];
  nemesisEvents: NemesisEvent[];
  finalReads?: FinalReadTable;
  anomalies: CheckerAnomalies[];
  windows: OpWindow[];
  linearization: LinearizationView[];
  files: string[];
}

const FOLDER_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?Z/;

/** The start time a run folder's name gives ("20261127T152912.419Z" → 2026-11-27T15:29:12.419Z),
 * or why it gives none. */
export function runStart(runName: string | undefined): { startedAt?: string; problem?: string } {
  const folder = runName?.split("/").pop() ?? "";
  const match = FOLDER_TIME.exec(folder);
  if (match === null) {
    return runName === undefined
      ? {}
      : { problem: `the run folder "${shorten(folder, 60)}" is not named by its start time` };
  }
  const [, y, mo, d, h, mi, s, frac] = match;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ?? ""}Z`;
  const date = new Date(iso);
  // Date accepts 24:00 and rolls over day 31 of a short month: the text must round-trip.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== iso.slice(0, 19)) {
    return { problem: `the run folder "${shorten(folder, 60)}" names no real time` };
  }
  return { startedAt: iso };
}

export function startedAtOf(runName: string | undefined): string | undefined {
  return runStart(runName).startedAt;
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
  const numbers: CheckerRow["numbers"] = [];
  const distributions: CheckerRow["distributions"] = [];
  const number = (field: string, value: number) =>
    numbers.push({ name: field, label: plainWords(field), value });
  for (const [field, value] of Object.entries(result)) {
    if (typeof value === "number") number(field, value);
    else if (field === "counts" && typeof value === "object" && value !== null) {
      for (const [inner, n] of Object.entries(value)) if (typeof n === "number") number(inner, n);
    } else if (isQuantiles(value)) {
      const q = value as { count: number; p50?: number; p99?: number; max?: number };
      distributions.push({
        name: field,
        label: plainWords(field),
        count: q.count,
        p50: q.p50,
        p99: q.p99,
        max: q.max,
      });
    }
  }
  const counts = (result.counts ?? {}) as Record<string, unknown>;
  const anomalies = (Array.isArray(result.anomalies) ? result.anomalies : []).map((anomaly) => ({
    name: String(anomaly),
    label: plainWords(String(anomaly)),
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

type RawExample = Record<string, unknown> & { ops: number[] };

/** A checker's examples by anomaly name, each a record with its op indexes. */
function examplesOf(result: CheckResult): Map<string, RawExample[]> {
  const examples = (result.examples ?? {}) as Record<string, unknown>;
  const byName = new Map<string, RawExample[]>();
  for (const [name, list] of Object.entries(examples)) {
    if (!Array.isArray(list)) continue;
    byName.set(
      name,
      list.map((example) => {
        const record: Record<string, unknown> =
          typeof example === "object" && example !== null
            ? (example as Record<string, unknown>)
            : { value: example };
        const ops = Array.isArray(record.ops)
          ? record.ops.filter((i): i is number => typeof i === "number")
          : [];
        return { ...record, ops };
      }),
    );
  }
  return byName;
}

function checkerAnomalies(row: CheckerRow, examples: Map<string, RawExample[]>): CheckerAnomalies {
  const names = new Set([...row.anomalies.map((a) => a.name), ...examples.keys()]);
  return {
    checker: row.name,
    valid: row.valid,
    ...(row.explanation !== undefined && { explanation: row.explanation }),
    ...(row.error !== undefined && { error: row.error }),
    anomalies: [...names].map((name) => {
      const list = examples.get(name) ?? [];
      return {
        name,
        label: plainWords(name),
        count: row.anomalies.find((a) => a.name === name)?.count ?? list.length,
        examples: list.map((example): AnomalyExample => {
          const details = Object.entries(example)
            .filter(([field]) => field !== "ops")
            .map(([field, value]): [string, string] => [
              plainWords(field),
              shorten(typeof value === "string" ? value : JSON.stringify(value), 200),
            ]);
          return { details, ops: example.ops };
        }),
      };
    }),
  };
}

/** The item an example is about: a lost or stale item, a dropped or unexpected value. */
const itemOf = (example: RawExample): unknown => example.item ?? example.value;

/** Every op the checkers named: the verdict's counterexamples first (with the item of the
 * example they belong to), then the ops of every reported example. */
function namedOps(entries: [string, CheckResult][], examples: Map<string, RawExample[]>[]) {
  const named: NamedOp[] = [];
  entries.forEach(([checker, result], i) => {
    const all = [...examples[i]!.values()].flat();
    for (const index of result.counterexamples ?? []) {
      const example = all.find((e) => e.ops.includes(index));
      named.push({
        checker,
        index,
        item: example && itemOf(example),
        with: example?.ops ?? [],
      });
    }
  });
  entries.forEach(([checker], i) => {
    for (const example of [...examples[i]!.values()].flat()) {
      for (const index of example.ops)
        named.push({ checker, index, item: itemOf(example), with: example.ops });
    }
  });
  return named;
}

const _ms = (value: number | undefined) => (value === undefined ? undefined : `${value} ms`);

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

/** The reproduce command, or why there is none: flags that do not load are said once, plainly. */
function reproduceOf(test: TestConfig): { reproduce?: Reproduce; reproduceProblem?: string } {
  let reproduce: Reproduce;
  try {
    reproduce = reproduceCommand(test);
  } catch (err) {
    return { reproduceProblem: `no command: ${err instanceof Error ? err.message : String(err)}` };
  }
  const notLoading = reproduce.uncovered.find((u) => u.startsWith("the flags do not load"));
  if (notLoading === undefined) return { reproduce };
  return {
    reproduce: { ...reproduce, uncovered: reproduce.uncovered.filter((u) => u !== notLoading) },
    reproduceProblem: `the command above does not load: ${notLoading.replace(/^the flags do not load \(?/, "").replace(/\)$/, "")}`,
  };
}

function opCounts(scan: HistoryScan): ReportData["summary"]["ops"] {
  const counts = { invoked: scan.client.count, ok: 0, fail: 0, info: 0, pending: 0 };
  for (let i = 0; i < scan.client.count; i++) counts[OUTCOMES[scan.client.outcome[i]!]!]++;
  return counts;
}

/** The style of each fault kind the page shows: those of the faults, the events and the final heal. */
function kindsShown(faults: FaultInterval[], events: NemesisEvent[]): Record<string, FaultKind> {
  const kinds: Record<string, FaultKind> = {};
  for (const f of faults) kinds[f.kind] = faultKind(f.kind);
  for (const e of events) {
    kinds[e.f] = e.f === HEAL_ALL ? { ...faultKind(e.f), label: HEAL_ALL_LABEL } : faultKind(e.f);
  }
  return kinds;
}

export function reportData(input: ReportInput): ReportData {
  const { test, results } = input;
  const scan = "scan" in input ? input.scan : scanHistory(input.history);
  const { faults, events } = faultIntervals(scan.nemesis, scan.endNs);
  const entries = Object.entries(results.results ?? {});
  const checkers = entries.map(([name, result]) => checkerRow(name, result));
  const examples = entries.map(([, result]) => examplesOf(result));
  const anomalies = checkers
    .map((row, i) => checkerAnomalies(row, examples[i]!))
    .filter(
      (section) =>
        section.valid !== true ||
        section.anomalies.some((a) => a.count > 0 || a.examples.length > 0),
    );
  const { startedAt, problem: startedAtProblem } = runStart(input.runName);
  const finalReads = finalReadTable(scan.finalReads);
  const ops = timeline(scan.client);
  const latency = latencyPoints(scan.client, input.latencyPointsMax ?? LATENCY_POINTS_MAX);
  const tp = throughput(scan.client, scan.endNs);
  const siblings = siblingCounts([scan.client, scan.finalReads], scan.endNs);
  return {
    title: String(test.name ?? "run"),
    ...(input.runName !== undefined && { runName: input.runName }),
    ...(startedAt !== undefined && { startedAt }),
    ...(startedAtProblem !== undefined && { startedAtProblem }),
    verdict: results.valid,
    ...(typeof test.seed === "number" && { seed: test.seed }),
    ...reproduceOf(test),
    summary: {
      ops: opCounts(scan),
      finalReads: scan.finalReads.count,
      durationS: seconds(scan.endNs),
      faults: faults.length,
      historyLength: scan.length,
    },
    checkers,
    warnings: [...(results.warnings ?? [])],
    settings: settingsOf(test),
    test,
    palette: {
      outcomes: OUTCOME_COLORS,
      fs: fColors([...new Set([...ops.fs, ...latency.fs, ...tp.series.map((s) => s.f)])]),
    },
    faultKinds: kindsShown(faults, events),
    timeline: ops,
    throughput: tp,
    latency,
    latencySummary: latencySummary(scan.client),
    ...(siblings !== undefined && { siblings }),
    faults,
    nemesisEvents: events,
    ...(finalReads !== undefined && { finalReads }),
    anomalies,
    windows: opWindows(scan, namedOps(entries, examples), faults),
    linearization: linearizationViews(scan, results.results ?? {}),
    files: [...(input.files ?? [])].sort(),
  };
}
