// Latency summaries for checker results: p50 / p90 / p99 / max of a sample, in the sample's unit.
// Nearest-rank quantiles on a sorted copy (n log n); an empty sample has count 0 and no numbers.

export interface Quantiles {
  count: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
}

export function quantiles(sample: ArrayLike<number>): Quantiles {
  const n = sample.length;
  if (n === 0) return { count: 0 };
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[n - 1]! };
}

/** Nanoseconds (the history's unit) to milliseconds, rounded to microseconds for reports. */
export function nanosToMs(ns: number): number {
  return Math.round(ns / 1000) / 1000;
}
