import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import type { FaultInterval } from "./fault-intervals.js";
import { faultsAt, markedValue, opWindows, WINDOW_RADIUS } from "./counterexample-windows.js";
import { scanHistory } from "./history-scan.js";

const partition: FaultInterval = {
  kind: "partition",
  startS: 0.5,
  endS: 2,
  targets: "halves: cut n1↮n2",
  outcome: "ok",
  healed: true,
  ops: [100, 101],
};

describe("opWindows", () => {
  it("keeps the ops on the focus op's key around it, not the neighbours of other keys", () => {
    const h = new HistoryBuilder();
    for (let i = 0; i < 30; i++) h.add(i % 3, i % 2 === 0 ? "a" : "b", i);
    const focus = 28; // the invoke of add 14, on key a
    const [w] = opWindows(scanHistory(h.ops), [{ checker: "c", index: focus, with: [] }], []);
    expect(w!.key).toBe("a");
    expect(w!.rows.every((r) => r.key === "a")).toBe(true);
    const indexes = w!.rows.map((r) => r.index);
    expect(indexes).toContain(focus);
    expect(indexes).toContain(focus + 1); // its completion
    expect(indexes.filter((i) => i < focus).length).toBeGreaterThanOrEqual(WINDOW_RADIUS);
    expect(indexes.filter((i) => i > focus + 1).length).toBeGreaterThanOrEqual(WINDOW_RADIUS - 1);
  });

  it("adds the other ops of the example even when far away, and skips unknown indexes", () => {
    const h = new HistoryBuilder().add(0, "k", 1);
    for (let i = 0; i < 40; i++) h.add(1, "k", 10 + i);
    h.read(2, "k", [[10, 11]]);
    const read = h.ops.length - 1;
    const windows = opWindows(
      scanHistory(h.ops),
      [
        { checker: "lost-writes", index: read, item: 1, with: [0, read] },
        { checker: "c", index: 999, with: [] },
      ],
      [partition],
    );
    expect(windows).toHaveLength(1);
    const [w] = windows;
    expect(w!.rows.map((r) => r.index).slice(0, 2)).toEqual([0, 1]);
    expect(w!.item).toBe("1");
    const last = w!.rows.at(-1)!;
    expect(last.parts).toEqual([
      ["[", ""],
      ["[", ""],
      ["1 missing", "missing"],
      [", 10, 11", ""],
      ["]", ""],
      ["]", ""],
    ]);
    expect(last.wroteBy).toEqual([{ value: "1", index: 0 }]);
  });

  it("links a register read's value to the write that produced it", () => {
    const h = new HistoryBuilder()
      .write(0, "k", 5, [])
      .write(0, "k", 6, [[5]])
      .read(1, "k", [5]);
    const [w] = opWindows(scanHistory(h.ops), [{ checker: "s", index: 5, with: [] }], []);
    expect(w!.rows.find((r) => r.index === 5)?.wroteBy).toEqual([{ value: "5", index: 0 }]);
  });

  it("says which faults were in force when the op happened", () => {
    expect(faultsAt([partition], 1)).toEqual(["partition (halves: cut n1↮n2) since 0.500 s"]);
    expect(faultsAt([partition], 3)).toEqual([]);
  });
});

describe("markedValue", () => {
  it("marks the item inside a long sibling list, with a few items either side", () => {
    const cart = Array.from({ length: 100 }, (_, i) => i);
    expect(markedValue([cart], 50, true)).toEqual([
      ["[", ""],
      ["[", ""],
      ["… 47 items, ", ""],
      ["47, 48, 49, ", ""],
      ["50", "hit"],
      [", 51, 52, 53", ""],
      [", … 46 items", ""],
      ["]", ""],
      ["]", ""],
    ]);
  });

  it("marks a sibling equal to the value, and says what a read lacks", () => {
    expect(markedValue([3, 4], 4, true)).toEqual([
      ["[", ""],
      ["3", ""],
      [", ", ""],
      ["4", "hit"],
      ["]", ""],
    ]);
    expect(markedValue([3], 4, true)).toEqual([
      ["[3]", ""],
      [" lacks 4", "missing"],
    ]);
    expect(markedValue([3], 4, false)).toBeUndefined();
    expect(markedValue(4, 4, false)).toEqual([["4", "hit"]]);
  });
});
