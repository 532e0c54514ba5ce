import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import type { Op } from "../../checkers/history.js";
import { describeTargets, faultIntervals } from "./fault-intervals.js";

const endOf = (ops: readonly Op[]) => ops.reduce((max, op) => Math.max(max, op.time), 0);

const bridge = {
  shape: "bridge",
  cuts: [
    ["n1", "n3"],
    ["n3", "n1"],
  ],
};

describe("faultIntervals", () => {
  it("spans a fault from its start's invoke to its heal's completion, with shape and targets", () => {
    const h = new HistoryBuilder()
      .at(1000)
      .nemesis("invoke", "partition", bridge)
      .nemesis("ok", "partition", bridge)
      .add(0, "k", 1)
      .at(4000)
      .nemesis("invoke", "heal")
      .at(4002)
      .nemesis("ok", "heal");
    const { faults, events } = faultIntervals(h.ops, endOf(h.ops));
    expect(faults).toEqual([
      {
        kind: "partition",
        startS: 1,
        endS: 4.002,
        targets: "bridge: cut n1↮n3",
        outcome: "ok",
        healed: true,
        ops: [0, 5],
      },
    ]);
    expect(events).toEqual([]);
  });

  it("pairs overlapping faults of different kinds by kind, and heal-all ends what is left", () => {
    const h = new HistoryBuilder()
      .at(1000)
      .nemesis("invoke", "kill", ["n2"])
      .nemesis("invoke", "pause", ["n3"])
      .nemesis("ok", "kill", ["n2"])
      .nemesis("info", "pause", ["n3"])
      .at(2000)
      .nemesis("invoke", "restart", ["n2"])
      .nemesis("ok", "restart", ["n2"])
      .at(5000)
      .nemesis("invoke", "heal-all")
      .at(5500)
      .nemesis("ok", "heal-all");
    const { faults, events } = faultIntervals(h.ops, endOf(h.ops));
    expect(faults.map((f) => [f.kind, f.startS, f.endS, f.targets, f.outcome, f.healed])).toEqual([
      ["kill", 1, 2.001, "n2", "ok", true],
      ["pause", 1.001, 5.5, "n3", "info", true],
    ]);
    expect(events).toEqual([{ f: "heal-all", timeS: 5, outcome: "ok", detail: "", index: 6 }]);
  });

  it("runs a fault the history never heals to the history's end", () => {
    const h = new HistoryBuilder()
      .at(1000)
      .nemesis("invoke", "clock", { n1: 1200, n2: -300 })
      .nemesis("ok", "clock", { n1: 1200, n2: -300 })
      .at(9000)
      .add(0, "k", 1);
    const [fault] = faultIntervals(h.ops, endOf(h.ops)).faults;
    expect(fault).toMatchObject({ kind: "clock", endS: 9.001, healed: false });
    expect(fault?.targets).toBe("n1 +1200ms, n2 -300ms");
  });

  it("shows a one-way cut as a→b", () => {
    expect(describeTargets("partition", { shape: "one", cuts: [["n1", "n2"]] })).toBe(
      "one: cut n1→n2",
    );
  });
});
