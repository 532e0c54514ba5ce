// The client ops over time, for the report's plots: completions per second by f and outcome
// (throughput), and one latency point per completed op (invoke time vs latency, by outcome),
// downsampled deterministically to a bounded count so a long run still makes a small page.
import { quantiles } from "../../checkers/quantiles.js";
import type { History, Op } from "../../checkers/history.js";
import { seconds } from "./fault-intervals.js";

const OUTCOMES = ["ok", "fail", "info"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A client op: its invoke and completion (undefined when the history ended first). */
export interface ClientOp {
  invoke: Op;
  complete: Op | undefined;
}

export interface Throughput {
  /** Width of a bucket in seconds (1, or more so a long run keeps ≤ BUCKETS_MAX buckets). */
  bucketS: number;
  /** Start of each bucket, seconds since the test started. */
  t: number[];
  /** Completions per second in each bucket, one series per f and outcome that occurred. */
  series: { f: string; type: Outcome; rate: number[] }[];
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

export const BUCKETS_MAX = 2000;
export const LATENCY_POINTS_MAX = 20_000;

/** Pairs each client invoke with its process's next completion; stray completions are ignored
 * (a report describes a broken history too: the checkers say what is wrong with it). */
export function clientOps(history: History): ClientOp[] {
  const ops: ClientOp[] = [];
  const open = new Map<unknown, ClientOp>();
  for (const op of history) {
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") {
      const pair = { invoke: op, complete: undefined };
      ops.push(pair);
      open.set(op.process, pair);
    } else {
      const pair = open.get(op.process);
      if (pair === undefined) continue;
      pair.complete = op;
      open.delete(op.process);
    }
  }
  return ops;
}

const outcomeOf = (op: Op): Outcome =>
  op.type === "ok" ? "ok" : op.type === "fail" ? "fail" : "info";

export function throughput(ops: readonly ClientOp[], endNs: number): Throughput {
  const durationS = Math.max(1, Math.ceil(endNs / 1e9));
  const bucketS = Math.max(1, Math.ceil(durationS / BUCKETS_MAX));
  const bucketCount = Math.ceil(durationS / bucketS);
  const byKey = new Map<string, { f: string; type: Outcome; rate: number[] }>();
  for (const { complete } of ops) {
    if (complete === undefined) continue;
    const type = outcomeOf(complete);
    const key = `${complete.f}\u0000${type}`;
    let series = byKey.get(key);
    if (series === undefined) {
      series = { f: complete.f, type, rate: new Array<number>(bucketCount).fill(0) };
      byKey.set(key, series);
    }
    const bucket = Math.min(bucketCount - 1, Math.floor(complete.time / 1e9 / bucketS));
    series.rate[bucket]! += 1 / bucketS;
  }
  const series = [...byKey.values()].sort(
    (a, b) => a.f.localeCompare(b.f) || OUTCOMES.indexOf(a.type) - OUTCOMES.indexOf(b.type),
  );
  for (const s of series) s.rate = s.rate.map((r) => Math.round(r * 1000) / 1000);
  return { bucketS, t: Array.from({ length: bucketCount }, (_, i) => i * bucketS), series };
}

/** `count` indexes spread evenly over 0 … n-1 (all of them when count ≥ n). */
export function evenly(n: number, count: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  if (count <= 0) return [];
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, j) => Math.round((j * (n - 1)) / (count - 1)));
}

/**
 * A point per completed op, at most `pointsMax`: failed and indeterminate ops are rarer and
 * matter more, so they keep up to half the budget and ok ops share the rest, each evenly spread
 * in time (a deterministic choice: the same history gives the same plot).
 */
export function latencyPoints(
  ops: readonly ClientOp[],
  pointsMax = LATENCY_POINTS_MAX,
): LatencyPoints {
  const fs: string[] = [];
  const completed = ops.filter((op) => op.complete !== undefined);
  const ok = completed.filter((op) => op.complete!.type === "ok");
  const other = completed.filter((op) => op.complete!.type !== "ok");
  const otherKept = evenly(other.length, Math.min(other.length, Math.ceil(pointsMax / 2)));
  const okKept = evenly(ok.length, pointsMax - otherKept.length);
  const kept = [...okKept.map((i) => ok[i]!), ...otherKept.map((i) => other[i]!)].sort(
    (a, b) => a.invoke.time - b.invoke.time || a.invoke.index - b.invoke.index,
  );
  const points: LatencyPoints = {
    t: [],
    ms: [],
    outcome: [],
    f: [],
    index: [],
    fs,
    total: completed.length,
    shown: kept.length,
  };
  for (const { invoke, complete } of kept) {
    let f = fs.indexOf(invoke.f);
    if (f < 0) f = fs.push(invoke.f) - 1;
    points.t.push(seconds(invoke.time));
    points.ms.push(Math.round((complete!.time - invoke.time) / 1e3) / 1e3);
    points.outcome.push(OUTCOMES.indexOf(outcomeOf(complete!)));
    points.f.push(f);
    points.index.push(invoke.index);
  }
  return points;
}

/** Latency quantiles (ms) per f and outcome, over every completed op (not the sample). */
export function latencySummary(ops: readonly ClientOp[]): LatencySummary[] {
  const samples = new Map<string, { f: string; outcome: Outcome; ms: number[] }>();
  for (const { invoke, complete } of ops) {
    if (complete === undefined) continue;
    const outcome = outcomeOf(complete);
    const key = `${invoke.f}\u0000${outcome}`;
    const entry = samples.get(key) ?? { f: invoke.f, outcome, ms: [] };
    entry.ms.push((complete.time - invoke.time) / 1e6);
    samples.set(key, entry);
  }
  const round = (ms: number | undefined) =>
    ms === undefined ? undefined : Math.round(ms * 1000) / 1000;
  return [...samples.values()]
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
