import { describe, expect, it } from "vitest";
import type { Op } from "./history.js";
import { history } from "./history-builder.js";
import { lastNemesisCompletionTime, pairOps } from "./op-pairs.js";

describe("pairOps", () => {
  it("pairs each invoke with its process's completion, in invoke order, nemesis apart", () => {
    const h = history()
      .invoke(0, "write", { key: "k", value: 1, basis: [] })
      .invoke(1, "read", { key: "k" })
      .nemesis("invoke", "partition")
      .ok(1, { value: [] })
      .nemesis("ok", "partition")
      .ok(0, { basis: [7] });
    const { pairs, nemesis } = pairOps(h.ops);
    expect(pairs.map((p) => [p.invoke.index, p.complete?.index, p.type])).toEqual([
      [0, 5, "ok"],
      [1, 3, "ok"],
    ]);
    expect(pairs[0]!.basis).toEqual([7]); // the completion's basis wins
    expect(nemesis.map((o) => o.index)).toEqual([2, 4]);
    expect(lastNemesisCompletionTime(nemesis)).toBe(h.ops[4]!.time);
  });

  it("counts an invoke the history never completed as info, open until the end", () => {
    const [pair] = pairOps(history().invoke(0, "add", { key: "k", value: 1 }).ops).pairs;
    expect(pair).toMatchObject({
      type: "info",
      complete: undefined,
      completeTime: Number.POSITIVE_INFINITY,
    });
  });

  it("takes a write's basis from its invoke when it never completed, a cas's never", () => {
    // A cas writes through the context of its own read: an invoke's basis (old histories wrote
    // the previous read's values there) is not what it superseded.
    const h = history()
      .invoke(0, "write", { key: "k", value: 1, basis: [5] })
      .invoke(1, "cas", { key: "k", value: [5, 2], basis: [5] })
      .invoke(2, "cas", { key: "k", value: [5, 3], basis: [5] })
      .info(2, { basis: undefined })
      .invoke(3, "cas", { key: "k", value: [6, 4] })
      .info(3, { basis: [6] });
    expect(pairOps(h.ops).pairs.map((p) => [p.type, p.basis])).toEqual([
      ["info", [5]],
      ["info", undefined],
      ["info", undefined],
      ["info", [6]],
    ]);
  });

  it("rejects broken histories with the op named", () => {
    const orphan: Op[] = [{ index: 0, time: 0, process: 3, type: "ok", f: "read", value: [] }];
    expect(() => pairOps(orphan)).toThrow("history op 0: ok of process 3 without an invoke");
    const twice = history().invoke(0, "read", { key: "k" }).ops;
    twice.push({ ...twice[0]!, index: 1 });
    expect(() => pairOps(twice)).toThrow(
      /history op 1: process 0 invokes again before its op 0 completed/,
    );
    const bad = [{ index: 0, time: 0, process: "x", type: "invoke", f: "read" }] as unknown as Op[];
    expect(() => pairOps(bad)).toThrow(/history op 0: process must be an integer or "nemesis"/);
  });

  it("pairs a history once for every checker that asks (and a copy anew)", () => {
    const ops = history().read(0, "k", [1]).ops;
    const first = pairOps(ops);
    expect(pairOps(ops)).toBe(first);
    const copy = [...ops];
    expect(pairOps(copy)).not.toBe(first);
    expect(pairOps(copy)).toEqual(first);
  });
});
