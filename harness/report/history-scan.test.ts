import { describe, expect, it } from "vitest";
import type { Op } from "../../checkers/history.js";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import { scanHistory } from "./history-scan.js";

describe("scanHistory", () => {
  it("pairs each client op and nemesis step, apart from the final reads", () => {
    const h = new HistoryBuilder()
      .add(0, "k", 1)
      .nemesis("invoke", "partition")
      .invoke(1, "read", { key: "j" })
      .nemesis("ok", "partition")
      .fail(1)
      .finalRead(9, "k", "n1", 1, [[1]]);
    const scan = scanHistory(h.ops);
    expect([...scan.client.invokes]).toEqual([0, 3]);
    expect([...scan.client.completes]).toEqual([1, 5]);
    expect([...scan.finalReads.invokes]).toEqual([6]);
    expect(scan.partner[2]).toBe(4);
    expect(scan.partner[5]).toBe(3);
    expect(scan.nemesis.map((op) => op.type)).toEqual(["invoke", "ok"]);
    expect(scan.byKey.get("k")).toEqual([0, 1, 6, 7]);
    expect(scan.byKey.get("j")).toEqual([3, 5]);
    expect(scan.endNs).toBe(h.ops.at(-1)!.time);
  });

  it("leaves an op that never completed open and skips a stray completion", () => {
    const ops: Op[] = [
      { index: 0, time: 0, process: 0, type: "ok", f: "read", key: "k" },
      { index: 1, time: 1, process: 0, type: "invoke", f: "read", key: "k" },
    ];
    const scan = scanHistory(ops);
    expect([...scan.client.completes]).toEqual([-1]);
    expect(scan.partner[0]).toBe(-1);
  });

  it("keeps each position's key, type and slot, the siblings read, and client names apart", () => {
    const h = new HistoryBuilder()
      .nemesis("invoke", "partition")
      .read(0, "k", [[1], [2]])
      .nemesis("ok", "partition")
      .invoke(1, "write", { key: "j", value: 3 })
      .finalRead(9, "q", "n1", 1, [[1], [2], [3]]);
    const scan = scanHistory(h.ops);
    expect(scan.keys).toEqual(["k", "j", "q"]);
    expect([...scan.keyAt]).toEqual([-1, 0, 0, -1, 1, 2, 2]);
    expect([...scan.typeAt]).toEqual([0, 0, 1, 1, 0, 0, 1]);
    expect([...scan.slotAt]).toEqual([-1, 0, 0, -1, 1, -2, -2]);
    // The timeline lists the fs and keys of client ops only, not the nemesis's nor final reads'.
    expect(scan.client.names.fs).toEqual(["read", "write"]);
    expect(scan.client.names.keys).toEqual(["k", "j"]);
    expect([...scan.client.siblings]).toEqual([2, -1]);
    expect([...scan.finalReads.siblings]).toEqual([3]);
    expect(scan.op(4)).toBe(h.ops[4]);
  });

  it("finds an op by its index when indexes are not positions", () => {
    const ops: Op[] = [
      { index: 10, time: 0, process: 0, type: "invoke", f: "read" },
      { index: 12, time: 1, process: 0, type: "ok", f: "read", value: [] },
    ];
    const scan = scanHistory(ops);
    expect(scan.positionOf(12)).toBe(1);
    expect(scan.positionOf(11)).toBeUndefined();
    expect(scanHistory(new HistoryBuilder().add(0, "k", 1).ops).positionOf(1)).toBe(1);
  });
});
