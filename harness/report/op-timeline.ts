// The client ops over time, for the report's plots, from the positions a history scan found:
// the Jepsen-style timeline (every op as a bar on its process's lane, in compact columns),
// completions per second by f and outcome (throughput), latency points sampled evenly in time
// (so each outcome keeps its share), latency quantiles, and siblings per read over time.
import type { Op } from "../../checkers/history.js";
import { quantiles } from "../../checkers/quantiles.js";
import { shorten } from "./final-read-table.js";
import { type ClientOps, PENDING, READ_FS } from "./history-scan.js";
import { NameTable as Names } from "./op-line-scanner.js";
import { OUTCOMES, type Outcome } from "./palette.js";

export interface Throughput {
  /** Width of a bucket in seconds (1, or more so a long run keeps ≤ BUCKETS_MAX buckets). */
  bucketS: number;
  /** Start of each bucket, seconds since the test started. */
  t: number[];
  /** Completions per second in each bucket, one series per f and outcome that occurred. */
  series: { f: string; type: Exclude<Outcome, "pending">; rate: number[] }[];
}

export interface LatencyPoints {
  /** Invoke time (s), latency (ms), outcome (index into OUTCOMES), f (index into fs), op index. */
  t: number[];
  ms: number[];
  outcome: number[];
  f: number[];
  index: number[];
  fs: string[];
  /** How many completed ops there were, and how many points are kept. */
  total: number;
  shown: number;
}

export interface LatencySummary {
  f: string;
  outcome: Outcome;
  count: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
}

/**
 * Every client op, one entry per column, in invoke order. Times are integer microseconds;
 * `startUs` and `index` are deltas from the previous entry (small numbers keep a million ops in a
 * page). `code` is f × 4 + outcome (OUTCOMES order); `durUs` is -1 for an op that never completed.
 */
export interface Timeline {
  count: number;
  fs: string[];
  keys: string[];
  nodes: string[];
  /** A lane per concurrent client thread: a process that ended in info hands its lane on. */
  lanes: string[];
  startUs: number[];
  durUs: number[];
  lane: number[];
  code: number[];
  index: number[];
  key: number[];
  node: number[];
  /** Each op's value, short (only when there are at most TIMELINE_VALUES_MAX ops). */
  values?: string[];
}

export interface SiblingSeries {
  bucketS: number;
  t: number[];
  /** The most siblings a read returned in each bucket, and the mean (null: no read). */
  max: (number | null)[];
  mean: (number | null)[];
  reads: number;
  maxOverall: number;
}

export const BUCKETS_MAX = 2000;
export const LATENCY_POINTS_MAX = 20_000;
export const TIMELINE_VALUES_MAX = 20_000;
const VALUE_CHARS_MAX = 60;

export function outcomeOf(op: Op | undefined): Outcome {
  if (op === undefined) return "pending";
  return op.type === "ok" ? "ok" : op.type === "fail" ? "fail" : "info";
}

const micros = (ns: number) => Math.round(ns / 1e3);

/** Assigns lanes: a process takes the lowest lane free at its first invoke. A lane frees when its
 * process completes an info (Jepsen's convention: that process never invokes again). */
class Lanes {
  readonly labels: string[][] = [];
  private readonly laneOf = new Map<unknown, number>();
  private readonly freed: { position: number; lane: number }[] = [];
  private readonly free: number[] = [];

  at(process: unknown, position: number): number {
    const known = this.laneOf.get(process);
    if (known !== undefined) return known;
    this.release(position);
    this.free.sort((a, b) => a - b);
    const lane = this.free.shift() ?? this.labels.push([]) - 1;
    this.labels[lane]!.push(String(process));
    this.laneOf.set(process, lane);
    return lane;
  }

  finish(process: unknown, position: number): void {
    const lane = this.laneOf.get(process);
    if (lane !== undefined) this.freed.push({ position, lane });
  }

  private release(position: number): void {
    for (let i = this.freed.length - 1; i >= 0; i--) {
      if (this.freed[i]!.position < position) {
        this.free.push(this.freed[i]!.lane);
        this.freed.splice(i, 1);
      }
    }
  }
}

function laneLabel(processes: string[]): string {
  const shown = processes.slice(0, 3).join(", ");
  return `p${shown}${processes.length > 3 ? ` +${processes.length - 3}` : ""}`;
}

function shortValue(ops: ClientOps, i: number): string {
  // The invoke is read (from the file, for a file scan) only when the completion has no value.
  const end = ops.completes[i]!;
  const completed = end < 0 ? undefined : ops.opAt(end).value;
  const value = completed !== undefined ? completed : ops.opAt(ops.invokes[i]!).value;
  return shorten(JSON.stringify(value) ?? "", VALUE_CHARS_MAX);
}

export function timeline(ops: ClientOps): Timeline {
  const lanes = new Lanes();
  const n = ops.count;
  const { fs, keys, nodes } = ops.names;
  const t: Timeline = {
    count: n,
    fs,
    keys,
    nodes,
    lanes: [],
    startUs: new Array<number>(n),
    durUs: new Array<number>(n),
    lane: new Array<number>(n),
    code: new Array<number>(n),
    index: new Array<number>(n),
    key: Array.from(ops.key),
    node: Array.from(ops.node),
  };
  const values: string[] | undefined = n <= TIMELINE_VALUES_MAX ? [] : undefined;
  let lastStart = 0;
  let lastIndex = 0;
  for (let i = 0; i < n; i++) {
    const start = micros(ops.startNs[i]!);
    const end = ops.endNs[i]!;
    const outcome = ops.outcome[i]!;
    const process = ops.process[i]!;
    t.startUs[i] = start - lastStart;
    t.durUs[i] = end < 0 ? -1 : Math.max(0, micros(end) - start);
    t.lane[i] = lanes.at(process, ops.invokes[i]!);
    t.code[i] = ops.f[i]! * 4 + outcome;
    t.index[i] = ops.index[i]! - lastIndex;
    values?.push(shortValue(ops, i));
    if (outcome === INFO) lanes.finish(process, ops.completes[i]!);
    lastStart = start;
    lastIndex = ops.index[i]!;
  }
  t.lanes = lanes.labels.map(laneLabel);
  if (values !== undefined) t.values = values;
  return t;
}

const INFO = OUTCOMES.indexOf("info");

function bucketsOf(endNs: number): { bucketS: number; count: number } {
  const durationS = Math.max(1, Math.ceil(endNs / 1e9));
  const bucketS = Math.max(1, Math.ceil(durationS / BUCKETS_MAX));
  return { bucketS, count: Math.ceil(durationS / bucketS) };
}

export function throughput(ops: ClientOps, endNs: number): Throughput {
  const { bucketS, count } = bucketsOf(endNs);
  const fs = ops.names.fs;
  const byCode = new Map<number, number[]>();
  for (let i = 0; i < ops.count; i++) {
    const outcome = ops.outcome[i]!;
    if (outcome === PENDING) continue;
    const code = ops.f[i]! * 4 + outcome;
    let rate = byCode.get(code);
    if (rate === undefined) {
      rate = new Array<number>(count).fill(0);
      byCode.set(code, rate);
    }
    rate[Math.min(count - 1, Math.floor(ops.endNs[i]! / 1e9 / bucketS))]! += 1;
  }
  const series = [...byCode]
    .map(([code, rate]) => ({
      f: fs[code >> 2]!,
      type: OUTCOMES[code & 3] as Exclude<Outcome, "pending">,
      rate: rate.map((r) => Math.round((r / bucketS) * 1000) / 1000),
    }))
    .sort((a, b) => a.f.localeCompare(b.f) || OUTCOMES.indexOf(a.type) - OUTCOMES.indexOf(b.type));
  return { bucketS, t: Array.from({ length: count }, (_, i) => i * bucketS), series };
}

/** `count` indexes spread evenly over 0 … n-1 (all of them when count ≥ n). */
export function evenly(n: number, count: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  if (count <= 0) return [];
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, j) => Math.round((j * (n - 1)) / (count - 1)));
}

/**
 * A point per completed op, at most `pointsMax`, spread evenly over the completed ops in invoke
 * order: every outcome keeps its share of the points (a plot of a run with 1 % failures shows
 * 1 % failures), and the same history gives the same plot.
 */
export function latencyPoints(ops: ClientOps, pointsMax = LATENCY_POINTS_MAX): LatencyPoints {
  const completed: number[] = [];
  for (let i = 0; i < ops.count; i++) if (ops.outcome[i] !== PENDING) completed.push(i);
  const fs = new Names();
  const points: LatencyPoints = {
    t: [],
    ms: [],
    outcome: [],
    f: [],
    index: [],
    fs: fs.list,
    total: completed.length,
    shown: 0,
  };
  for (const j of evenly(completed.length, pointsMax)) {
    const i = completed[j]!;
    points.t.push(micros(ops.startNs[i]!) / 1e6);
    points.ms.push(Math.round((ops.endNs[i]! - ops.startNs[i]!) / 1e3) / 1e3);
    points.outcome.push(ops.outcome[i]!);
    points.f.push(fs.id(ops.names.fs[ops.f[i]!]));
    points.index.push(ops.index[i]!);
  }
  points.shown = points.t.length;
  return points;
}

/** Latency quantiles (ms) per f and outcome, over every completed op (not the sample). */
export function latencySummary(ops: ClientOps): LatencySummary[] {
  const samples = new Map<number, number[]>();
  for (let i = 0; i < ops.count; i++) {
    const outcome = ops.outcome[i]!;
    if (outcome === PENDING) continue;
    const code = ops.f[i]! * 4 + outcome;
    let ms = samples.get(code);
    if (ms === undefined) {
      ms = [];
      samples.set(code, ms);
    }
    ms.push((ops.endNs[i]! - ops.startNs[i]!) / 1e6);
  }
  const round = (ms: number | undefined) =>
    ms === undefined ? undefined : Math.round(ms * 1000) / 1000;
  return [...samples]
    .map(([code, ms]) => ({ f: ops.names.fs[code >> 2]!, outcome: OUTCOMES[code & 3]!, ms }))
    .sort(
      (a, b) => a.f.localeCompare(b.f) || OUTCOMES.indexOf(a.outcome) - OUTCOMES.indexOf(b.outcome),
    )
    .map(({ f, outcome, ms }) => {
      const q = quantiles(ms);
      return {
        f,
        outcome,
        count: q.count,
        p50: round(q.p50),
        p90: round(q.p90),
        p99: round(q.p99),
        max: round(q.max),
      };
    });
}

/** Siblings per ok read (READ_FS) over time (riak_test watches for sibling explosion); undefined
 * when no read returned a list of siblings or none returned more than one (nothing to watch). */
export function siblingCounts(ops: readonly ClientOps[], endNs: number): SiblingSeries | undefined {
  const { bucketS, count } = bucketsOf(endNs);
  const max = new Array<number | null>(count).fill(null);
  const sum = new Array<number>(count).fill(0);
  const reads = new Array<number>(count).fill(0);
  let total = 0;
  let maxOverall = 0;
  for (const list of ops) {
    // The scan counted the siblings of each ok read's completion (-1: not a read of a list).
    const isRead = list.names.fs.map((f) => READ_FS.has(f));
    for (let i = 0; i < list.count; i++) {
      const siblings = list.siblings[i]!;
      if (siblings < 0 || list.outcome[i] !== 0 || !isRead[list.f[i]!]) continue;
      const bucket = Math.min(count - 1, Math.floor(list.endNs[i]! / 1e9 / bucketS));
      max[bucket] = Math.max(max[bucket] ?? 0, siblings);
      sum[bucket]! += siblings;
      reads[bucket]! += 1;
      total++;
      maxOverall = Math.max(maxOverall, siblings);
    }
  }
  if (total === 0 || maxOverall < 2) return undefined;
  return {
    bucketS,
    t: Array.from({ length: count }, (_, i) => i * bucketS),
    max,
    mean: reads.map((r, i) => (r === 0 ? null : Math.round((sum[i]! / r) * 100) / 100)),
    reads: total,
    maxOverall,
  };
}
