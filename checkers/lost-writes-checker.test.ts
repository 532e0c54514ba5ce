import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeCheck } from "./checker.js";
import type { Op } from "./history.js";
import { history } from "./history-builder.js";
import { lostWritesChecker } from "./lost-writes-checker.js";
import { simulateHistory } from "./simulated-history.js";

const check = (ops: Op[], consistency?: "eventual" | "session" | "linearizable") =>
  lostWritesChecker.check(ops, consistency ? { consistency } : {}) as ReturnType<
    typeof lostWritesChecker.check
  > & {
    counts: Record<string, number>;
    anomalies: string[];
    examples: Record<string, { item: unknown; ops: number[] }[]>;
  };

describe("lost-writes checker", () => {
  it("finds an item stable when every read after its add sees it", () => {
    const h = history()
      .add(0, "k", 1)
      .read(1, "k", [[1]])
      .finalRead(9, "k", "n1", 1, [[1]]);
    const r = check(h.ops);
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ added: 1, acknowledged: 1, stable: 1, lost: 0, stale: 0 });
    expect(r.anomalies).toEqual([]);
  });

  it("finds an acknowledged item lost when later reads miss it", () => {
    const h = history()
      .add(0, "k", 1)
      .add(0, "k", 2)
      .read(1, "k", [[1, 2]])
      .read(1, "k", [[2]])
      .finalRead(9, "k", "n1", 1, [[2]]);
    const r = check(h.ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toContain("lost");
    expect(r.counts).toMatchObject({ lost: 1, lostAcknowledged: 1, stable: 1 });
    expect(r.examples.lost?.[0]).toMatchObject({ item: 1, ops: [1, 9] });
    expect(r.counterexamples).toContain(1);
  });

  it("finds an acknowledged item that no read ever saw lost from the final reads", () => {
    const h = history()
      .add(0, "k", 1)
      .add(0, "k", 2)
      .finalRead(9, "k", "n1", 1, [[2]]);
    const r = check(h.ops);
    expect(r.valid).toBe(false);
    expect(r.examples.lost?.map((e) => e.item)).toEqual([1]);
  });

  it("measures the lost latency from known to the last read that saw it", () => {
    const h = history()
      .at(0)
      .add(0, "k", 1) // ok at 1 ms
      .at(10)
      .read(1, "k", [[1]]) // invoked at 10 ms
      .at(50)
      .read(1, "k", []);
    const r = check(h.ops);
    expect(r.lostLatencyMs).toMatchObject({ count: 1, max: 9 });
  });

  it("flags a stale item (missed after it was known, then seen) but keeps it valid unless linearizable", () => {
    const h = history()
      .at(0)
      .add(0, "k", 1) // known at 1 ms
      .at(10)
      .read(1, "k", []) // invoked at 10 ms: stale
      .at(30)
      .read(1, "k", [[1]]);
    const r = check(h.ops);
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ stable: 1, stale: 1 });
    expect(r.anomalies).toEqual(["stale"]);
    expect(r.stableLatencyMs).toMatchObject({ count: 1, max: 9 });
    expect(r.counterexamples).toEqual([]); // reported, not held against the run
    const strict = check(h.ops, "linearizable");
    expect(strict.valid).toBe(false);
    expect(strict.counterexamples).toEqual([3, 5]);
  });

  it("does not count a read that began before the add was known as missing it", () => {
    const h = history()
      .invoke(1, "read", { key: "k" })
      .add(0, "k", 1)
      .ok(1, { value: [] })
      .read(1, "k", [[1]]);
    const r = check(h.ops);
    expect(r.counts).toMatchObject({ stable: 1, stale: 0 });
  });

  it("calls an item never-read when no read began after it was known, and the run unknown", () => {
    const h = history().read(1, "k", []).add(0, "k", 1);
    const r = check(h.ops);
    expect(r.valid).toBe("unknown");
    expect(r.counts).toMatchObject({ neverRead: 1, lost: 0 });
  });

  it("is unknown when there are no reads at all", () => {
    expect(check(history().add(0, "k", 1).add(0, "k", 2).ops).valid).toBe("unknown");
    expect(check([]).valid).toBe("unknown");
  });

  it("flags an item twice in one sibling as duplicated, but not one in two siblings", () => {
    const dup = check(
      history()
        .add(0, "k", 1)
        .read(1, "k", [[1, 1]]).ops,
    );
    expect(dup.valid).toBe(false);
    expect(dup.anomalies).toContain("duplicated");
    const siblings = check(
      history()
        .add(0, "k", 1)
        .read(1, "k", [[1], [1]]).ops,
    );
    expect(siblings.valid).toBe(true);
  });

  it("sees the union of a read's siblings", () => {
    const h = history()
      .add(0, "k", 1)
      .add(2, "k", 2)
      .read(1, "k", [[1], [2]]);
    expect(check(h.ops).counts).toMatchObject({ stable: 2, lost: 0 });
  });

  it("flags an item whose add failed, or that nobody added, as unexpected", () => {
    const failed = check(
      history()
        .add(0, "k", 1, "fail")
        .read(1, "k", [[1]]).ops,
    );
    expect(failed.valid).toBe(false);
    expect(failed.anomalies).toEqual(["unexpected"]);
    expect(failed.counts).toMatchObject({ unexpected: 1, failed: 1 });
    const phantom = check(
      history()
        .add(0, "k", 1)
        .read(1, "k", [[1, 7]]).ops,
    );
    expect(phantom.anomalies).toEqual(["unexpected"]);
    expect(phantom.examples.unexpected?.[0]).toMatchObject({ item: 7, why: "never added" });
  });

  it("keys items by key: an item read under another key is unexpected there", () => {
    const r = check(
      history()
        .add(0, "a", 1)
        .read(1, "b", [[1]])
        .read(1, "a", [[1]]).ops,
    );
    expect(r.counts).toMatchObject({ unexpected: 1, stable: 1 });
  });

  it("lets an info add appear or not, but an info item once seen may not vanish", () => {
    const unseen = check(
      history()
        .add(0, "k", 1, "info")
        .add(1, "k", 2)
        .read(2, "k", [[2]]).ops,
    );
    expect(unseen.valid).toBe(true);
    expect(unseen.counts).toMatchObject({ indeterminate: 1, lost: 0 });
    const vanished = check(
      history()
        .add(0, "k", 1, "info")
        .read(2, "k", [[1]])
        .read(2, "k", []).ops,
    );
    expect(vanished.valid).toBe(false);
    // Lost to set-full, but never acknowledged: not a lost acknowledged write.
    expect(vanished.counts).toMatchObject({ lost: 1, lostAcknowledged: 0 });
    expect(vanished.examples.lost?.[0]).toMatchObject({ item: 1, add: "info" });
  });

  it("treats an add the history never completed as info", () => {
    const h = history()
      .add(1, "k", 2)
      .read(2, "k", [[2]])
      .invoke(0, "add", { key: "k", value: 1 });
    expect(check(h.ops).counts).toMatchObject({ indeterminate: 1, stable: 1 });
  });

  it("uses each node's last final round, and an item any node still has is not lost", () => {
    const h = history()
      .add(0, "k", 1)
      .finalRead(9, "k", "n1", 1, [])
      .finalRead(10, "k", "n2", 1, [[1]])
      .finalRead(9, "k", "n1", 2, [[1]])
      .finalRead(10, "k", "n2", 2, [[1]]);
    expect(check(h.ops).counts).toMatchObject({ stable: 1, lost: 0, stale: 0 });
    const partial = history()
      .add(0, "k", 1)
      .finalRead(9, "k", "n1", 1, [])
      .finalRead(10, "k", "n2", 1, [[1]]);
    expect(check(partial.ops).counts).toMatchObject({ stable: 1, lost: 0 });
    const gone = history()
      .add(0, "k", 1)
      .finalRead(9, "k", "n1", 1, [[1]])
      .finalRead(9, "k", "n1", 2, []);
    expect(check(gone.ops).valid).toBe(false);
  });

  it("rejects a read whose value is not a list of siblings with the op named", () => {
    const bad = history().add(0, "k", 1).read(1, "k", [1]).ops;
    const r = safeCheck(lostWritesChecker, bad, {});
    expect(r.valid).toBe("unknown");
    expect(r.error).toMatch(/history op 3: read sibling must be an array of items/);
  });

  const simulation = fc.record({
    seed: fc.integer(),
    opCount: fc.integer({ min: 1, max: 150 }),
    processCount: fc.integer({ min: 1, max: 6 }),
    keyCount: fc.integer({ min: 1, max: 4 }),
    lagging: fc.boolean(),
  });

  it("passes every history of a correct set (property)", () => {
    fc.assert(
      fc.property(simulation, (o) => {
        const r = check(simulateHistory({ ...o, workload: "cart", nemesisEvery: 20 }));
        expect(r.valid).not.toBe(false);
        expect(r.counts.lost).toBe(0);
        expect(r.anomalies.filter((a) => a !== "stale")).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("fails, naming the item lost, when one acknowledged item is removed from the final reads (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = simulateHistory({ ...o, workload: "cart" });
        const acked = ops.filter((op) => op.f === "add" && op.type === "ok");
        fc.pre(acked.length > 0);
        const victim = acked[pick % acked.length]!;
        const dropped = ops.map((op) =>
          op.f === "final-read" && op.type === "ok" && op.key === victim.key
            ? {
                ...op,
                value: (op.value as number[][])
                  .map((s) => s.filter((i) => i !== victim.value))
                  .filter((s) => s.length > 0),
              }
            : op,
        );
        const r = check(dropped);
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("lost");
        expect(r.examples.lost?.map((e) => e.item)).toContain(victim.value);
      }),
      { numRuns: 150 },
    );
  });
});
