// stats: the numbers a report plots, per client operation f: how many ended ok / fail / info
// (an op the history never completed counts as info), latency quantiles per outcome (ms), and
// throughput (completions and oks per second over the history's span); plus faults per f.
// Always valid unless no op succeeded at all ("unknown"). n log n (the quantile sorts).
import type { CheckResult, Checker } from "./checker.js";
import type { History } from "./history.js";
import { type Outcome, pairPositions } from "./op-pairs.js";
import { type Quantiles, quantiles } from "./quantiles.js";

interface Tally {
  ok: number[];
  fail: number[];
  info: number[];
  open: number;
}

export interface OpStats {
  count: number;
  ok: number;
  fail: number;
  info: number;
  okPerSecond: number;
  latencyMs: { ok: Quantiles; fail: Quantiles; info: Quantiles };
}

export const statsChecker: Checker = {
  name: "stats",
  check(history: History): CheckResult {
    // The pairing's positions are enough (no pair objects): an op's f, outcome and times.
    const { invokeAt, completeAt, nemesis } = pairPositions(history);
    const tallies = new Map<string, Tally>();
    for (let p = 0; p < invokeAt.length; p++) {
      const invoke = history[invokeAt[p]!]!;
      let tally = tallies.get(invoke.f);
      if (tally === undefined) {
        tally = { ok: [], fail: [], info: [], open: 0 };
        tallies.set(invoke.f, tally);
      }
      if (completeAt[p]! < 0) {
        tally.open++;
        continue;
      }
      const complete = history[completeAt[p]!]!;
      tally[complete.type as Outcome].push((complete.time - invoke.time) / 1e6);
    }
    const first = history.length > 0 ? history[0]!.time : 0;
    const last = history.length > 0 ? history[history.length - 1]!.time : 0;
    const seconds = Math.max(0, last - first) / 1e9;
    const perSecond = (n: number) => (seconds > 0 ? Math.round((n / seconds) * 10) / 10 : 0);

    const byF: Record<string, OpStats> = {};
    let ok = 0;
    let completed = 0;
    for (const [f, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
      const info = t.info.length + t.open;
      byF[f] = {
        count: t.ok.length + t.fail.length + info,
        ok: t.ok.length,
        fail: t.fail.length,
        info,
        okPerSecond: perSecond(t.ok.length),
        latencyMs: { ok: quantiles(t.ok), fail: quantiles(t.fail), info: quantiles(t.info) },
      };
      ok += t.ok.length;
      completed += t.ok.length + t.fail.length + t.info.length;
    }
    const faults: Record<string, number> = {};
    for (const op of nemesis) if (op.type === "invoke") faults[op.f] = (faults[op.f] ?? 0) + 1;

    return {
      valid: ok > 0 ? true : "unknown",
      durationSeconds: Math.round(seconds * 1000) / 1000,
      ops: invokeAt.length,
      ok,
      opsPerSecond: perSecond(completed),
      okPerSecond: perSecond(ok),
      byF,
      faults,
    };
  },
};
