import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import { checkLinearizable } from "../../checkers/linearizable-checker.js";
import { scanHistory } from "./history-scan.js";
import { linearizationViews } from "./linearization-view.js";

/** Writes 1 then 2 on k, a read of 2, then a stale read of 1 during another read of k (and a
 * cas on another key). */
function staleRead() {
  const h = new HistoryBuilder()
    .at(0)
    .write(0, "k", 1, []) // 0 1
    .write(0, "k", 2, [[1]]) // 2 3
    .read(1, "k", [2]) // 4 5
    .invoke(2, "cas", { key: "j", value: [null, 3] }) // 6
    .invoke(3, "read", { key: "k" }) // 7: concurrent with the next read
    .read(1, "k", [1]) // 8 9: no order can explain it
    .ok(3, { value: [2] }) // 10
    .ok(2); // 11
  return h.ops;
}

describe("linearizationViews", () => {
  const ops = staleRead();
  const result = checkLinearizable(ops, { model: "cas-register" });
  const [view] = linearizationViews(scanHistory(ops), { linearizable: result });

  it("is the checker's failure on its key, with the op that cannot be placed", () => {
    expect(result.valid).toBe(false);
    expect(view).toMatchObject({
      checker: "linearizable",
      key: "k",
      model: "cas-register",
      blocked: { index: 8, process: "1", description: "read → 1" },
    });
  });

  it("replays the longest linearization through the model: the state after each step", () => {
    expect(view!.initialState).toBe("absent");
    expect(view!.steps.map((s) => [s.step, s.index, s.description, s.state])).toEqual([
      [1, 0, "write 1", "1"],
      [2, 2, "write 2", "2"],
      [3, 4, "read → 2", "2"],
      [4, 7, "read → 2", "2"],
    ]);
    expect(view!.stepsTotal).toBe(4);
    expect(view!.finalState).toBe("2");
  });

  it("names the ops concurrent with the blocked one and draws the key's ops around it", () => {
    expect(view!.concurrent).toMatchObject([
      { index: 7, description: "read → 2", linearized: true },
    ]);
    expect(view!.concurrent[0]!.endS).toBe(0.01);
    const roles = view!.diagram.ops.map((op) => [op.index, op.role, op.step]);
    expect(roles).toEqual([
      [0, "step", 1],
      [2, "step", 2],
      [4, "step", 3],
      [7, "step", 4],
      [8, "blocked", undefined],
    ]);
  });

  it("is empty when no checker failed linearizability", () => {
    const valid = checkLinearizable(new HistoryBuilder().write(0, "k", 1, []).ops, {});
    expect(
      linearizationViews(scanHistory([]), { linearizable: valid, stats: { valid: true } }),
    ).toEqual([]);
  });
});
