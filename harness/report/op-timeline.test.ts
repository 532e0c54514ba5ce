import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import {
  BUCKETS_MAX,
  clientOps,
  evenly,
  latencyPoints,
  latencySummary,
  throughput,
} from "./op-timeline.js";

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
    const ops = clientOps(h.ops);
    const tp = throughput(ops, h.ops.at(-1)!.time);
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
    const points = latencyPoints(clientOps(h.ops));
    expect(points).toEqual({
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

  it("keeps at most pointsMax points, the same ones every time, every fail while they fit", () => {
    const h = new HistoryBuilder();
    for (let i = 0; i < 1000; i++) h.add(i % 5, "k", i, i % 100 === 0 ? "fail" : "ok");
    const ops = clientOps(h.ops);
    const a = latencyPoints(ops, 100);
    expect(a.shown).toBe(100);
    expect(a.total).toBe(1000);
    expect(a.t.length).toBe(100);
    expect(a.outcome.filter((o) => o === 1)).toHaveLength(10);
    expect(latencyPoints(ops, 100)).toEqual(a);
    expect([...a.t].sort((x, y) => x - y)).toEqual(a.t);
    // Spread over the whole run, not its start.
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
