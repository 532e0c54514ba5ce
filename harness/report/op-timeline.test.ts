import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Op } from "../../checkers/history.js";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import { scanHistory } from "./history-scan.js";
import {
  BUCKETS_MAX,
  evenly,
  latencyPoints,
  latencySummary,
  siblingCounts,
  type Timeline,
  throughput,
  timeline,
} from "./op-timeline.js";

const clientOps = (ops: readonly Op[]) => scanHistory(ops).client;

/** The timeline's columns decoded back to absolute values, as report.js does. */
function decoded(t: Timeline) {
  let start = 0;
  let index = 0;
  return Array.from({ length: t.count }, (_, i) => {
    start += t.startUs[i]!;
    index += t.index[i]!;
    const end = t.durUs[i]! < 0 ? Number.POSITIVE_INFINITY : start + t.durUs[i]!;
    return { start, end, index, lane: t.lane[i]!, code: t.code[i]! };
  });
}

describe("timeline", () => {
  it("has every client op as a bar: start, duration, lane, f and outcome, key and node", () => {
    const h = new HistoryBuilder()
      .at(1000)
      .invoke(0, "write", { key: "k", value: 1, node: "n1" })
      .at(1000.5)
      .invoke(1, "read", { key: "j", node: "n2" })
      .at(1002)
      .ok(0)
      .at(1003)
      .fail(1)
      .invoke(2, "read", { key: "k" }); // never completes
    const t = timeline(clientOps(h.ops));
    expect(t.fs).toEqual(["write", "read"]);
    expect(t.keys).toEqual(["k", "j"]);
    expect(t.nodes).toEqual(["n1", "n2"]);
    expect(t.startUs).toEqual([1_000_000, 500, 3_500]); // deltas, µs
    expect(t.durUs).toEqual([2_000, 2_500, -1]);
    expect(t.code).toEqual([0 * 4 + 0, 1 * 4 + 1, 1 * 4 + 3]); // write ok, read fail, read pending
    expect(t.index).toEqual([0, 1, 3]);
    expect(t.key).toEqual([0, 1, 0]);
    expect(t.node).toEqual([0, 1, -1]);
    expect(t.lanes).toEqual(["p0", "p1", "p2"]);
    expect(t.values).toEqual(["1", "null", "null"]);
  });

  it("keeps microseconds late in a long run", () => {
    const h = new HistoryBuilder().at(2_201_345.678).invoke(0, "read", { key: "k" });
    h.at(2_201_345.9).ok(0, { value: [] });
    const t = timeline(clientOps(h.ops));
    expect(t.startUs[0]).toBe(2_201_345_678);
    expect(t.durUs[0]).toBe(222);
  });

  it("hands a crashed process's lane to the process that takes over its thread", () => {
    const h = new HistoryBuilder()
      .invoke(1, "add", { key: "k", value: 2 })
      .add(0, "k", 1, "info") // process 0 ends in info: its thread goes on as process 5
      .ok(1)
      .add(5, "k", 3)
      .add(1, "k", 4);
    const t = timeline(clientOps(h.ops));
    expect(t.lane).toEqual([0, 1, 1, 0]);
    expect(t.lanes).toEqual(["p1", "p0, 5"]);
  });

  it("never puts two overlapping ops on one lane, and keeps every op once (property)", () => {
    const step = fc.record({
      process: fc.nat(5),
      gapUs: fc.nat(3000),
      type: fc.constantFrom("ok", "fail", "info"),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const h = new HistoryBuilder();
        let now = 0;
        const busy = new Set<number>();
        let nextProcess = 100;
        const alias = new Map<number, number>();
        for (const { process: thread, gapUs, type } of steps) {
          now += gapUs / 1000;
          const process = alias.get(thread) ?? thread;
          h.at(now);
          if (!busy.has(process)) {
            h.invoke(process, "write", { key: "k", value: 1 });
            busy.add(process);
          } else {
            if (type === "ok") h.ok(process);
            else if (type === "fail") h.fail(process);
            else {
              h.info(process);
              alias.set(thread, nextProcess++); // the thread goes on as a new process
            }
            busy.delete(process);
          }
        }
        const t = timeline(clientOps(h.ops));
        const bars = decoded(t);
        const invokes = h.ops.filter((op) => op.type === "invoke");
        expect(bars.map((b) => b.index)).toEqual(invokes.map((op) => op.index));
        for (let a = 0; a < bars.length; a++) {
          for (let b = a + 1; b < bars.length; b++) {
            if (bars[a]!.lane !== bars[b]!.lane) continue;
            expect(bars[a]!.end <= bars[b]!.start || bars[b]!.end <= bars[a]!.start).toBe(true);
          }
        }
      }),
    );
  });
});

describe("throughput", () => {
  it("counts completions per second by f and outcome", () => {
    const h = new HistoryBuilder()
      .at(100)
      .add(0, "k", 1)
      .add(0, "k", 2)
      .at(1500)
      .add(1, "k", 3, "fail")
      .read(2, "k", [[1, 2]])
      .at(2100)
      .add(3, "k", 4, "info");
    const tp = throughput(clientOps(h.ops), h.ops.at(-1)!.time);
    expect(tp.bucketS).toBe(1);
    expect(tp.t).toEqual([0, 1, 2]);
    expect(tp.series).toEqual([
      { f: "add", type: "ok", rate: [2, 0, 0] },
      { f: "add", type: "fail", rate: [0, 1, 0] },
      { f: "add", type: "info", rate: [0, 0, 1] },
      { f: "read", type: "ok", rate: [0, 1, 0] },
    ]);
  });

  it("widens the buckets of a long run so there are at most BUCKETS_MAX", () => {
    const h = new HistoryBuilder().at(10).add(0, "k", 1).at(3_999_000).add(0, "k", 2);
    const tp = throughput(clientOps(h.ops), h.ops.at(-1)!.time);
    expect(tp.bucketS).toBe(2);
    expect(tp.t.length).toBeLessThanOrEqual(BUCKETS_MAX);
    expect(tp.series[0]?.rate[0]).toBe(0.5); // one op in a 2 s bucket
    expect(tp.series[0]?.rate.at(-1)).toBe(0.5);
  });
});

describe("latencyPoints", () => {
  it("has one point per completed op: invoke time, latency, outcome, f, index", () => {
    const h = new HistoryBuilder()
      .at(1000)
      .invoke(0, "add", { key: "k", value: 1 })
      .at(1250)
      .ok(0)
      .at(2000)
      .invoke(1, "read", { key: "k" })
      .at(2010)
      .fail(1)
      .invoke(2, "add", { key: "k", value: 2 }); // never completes: no point
    expect(latencyPoints(clientOps(h.ops))).toEqual({
      t: [1, 2],
      ms: [250, 10],
      outcome: [0, 1],
      f: [0, 1],
      index: [0, 2],
      fs: ["add", "read"],
      total: 2,
      shown: 2,
    });
  });

  it("keeps at most pointsMax points, the same ones every time, each outcome in proportion", () => {
    const h = new HistoryBuilder();
    for (let i = 0; i < 1000; i++) h.add(i % 5, "k", i, i % 10 === 0 ? "fail" : "ok");
    const ops = clientOps(h.ops);
    const a = latencyPoints(ops, 100);
    expect(a.shown).toBe(100);
    expect(a.total).toBe(1000);
    // 10 % of the ops failed: about 10 % of the points, not half of them.
    const failed = a.outcome.filter((o) => o === 1).length;
    expect(failed).toBeGreaterThanOrEqual(5);
    expect(failed).toBeLessThanOrEqual(15);
    expect(latencyPoints(ops, 100)).toEqual(a);
    expect([...a.t].sort((x, y) => x - y)).toEqual(a.t);
    expect(a.index[0]).toBe(0);
    expect(a.index.at(-1)).toBe(1998);
  });

  it("evenly picks count indexes spanning 0 … n-1", () => {
    expect(evenly(10, 3)).toEqual([0, 5, 9]);
    expect(evenly(3, 5)).toEqual([0, 1, 2]);
    expect(evenly(5, 0)).toEqual([]);
  });
});

describe("latencySummary", () => {
  it("gives quantiles per f and outcome over every op", () => {
    const h = new HistoryBuilder();
    for (let i = 1; i <= 100; i++) {
      h.at(i * 1000).invoke(0, "add", { key: "k", value: i });
      h.at(i * 1000 + i).ok(0); // latency i ms
    }
    const [add] = latencySummary(clientOps(h.ops));
    expect(add).toMatchObject({ f: "add", outcome: "ok", count: 100, p50: 50, p99: 99, max: 100 });
  });
});

describe("siblingCounts", () => {
  it("gives the most and the mean siblings a read returned, per bucket", () => {
    const h = new HistoryBuilder()
      .at(100)
      .read(0, "k", [[1]])
      .read(0, "k", [[1], [2], [3]])
      .at(1500)
      .read(0, "k", [[1], [2]])
      .add(1, "k", 4);
    const scan = scanHistory(h.ops);
    const s = siblingCounts([scan.client, scan.finalReads], h.ops.at(-1)!.time)!;
    expect(s.t).toEqual([0, 1]);
    expect(s.max).toEqual([3, 2]);
    expect(s.mean).toEqual([2, 2]);
    expect(s.reads).toBe(3);
    expect(s.maxOverall).toBe(3);
  });

  it("has nothing to show when no read returned more than one sibling", () => {
    const scan = scanHistory(new HistoryBuilder().read(0, "k", [[1]]).add(1, "k", 2).ops);
    expect(siblingCounts([scan.client], 1e9)).toBeUndefined();
  });
});
