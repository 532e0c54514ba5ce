import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CheckOptions } from "./checker.js";
import type { Op } from "./history.js";
import { history } from "./history-builder.js";
import { lostWritesChecker } from "./lost-writes-checker.js";
import { simulateHistory } from "./simulated-history.js";
import { staleReadsChecker } from "./stale-reads-checker.js";

interface Example {
  process: number;
  key: string;
  node?: string;
  value: unknown;
  lagMs: number;
  ops: number[];
}
interface Result {
  valid: true | false | "unknown";
  consistency: string;
  anomalies: string[];
  counts: Record<string, number>;
  supersededLagMs: { count: number; max?: number };
  monotonicLagMs: { count: number; max?: number };
  readYourWritesLagMs: { count: number; max?: number };
  examples: Record<string, Example[]>;
  counterexamples: number[];
}
const session: CheckOptions = { consistency: "session" };
const check = (ops: Op[], options: CheckOptions = session) =>
  staleReadsChecker.check(ops, options) as unknown as Result;

describe("stale-reads checker", () => {
  it("passes sessions whose reads move forward and see their own writes", () => {
    const h = history()
      .write(0, "k", 1, [])
      .read(0, "k", [1])
      .write(1, "k", 2, [1])
      .read(0, "k", [2]);
    const r = check(h.ops);
    expect(r.valid).toBe(true);
    expect(r.anomalies).toEqual([]);
    expect(r.counts).toMatchObject({
      reads: 2,
      sessions: 1,
      "superseded-read": 0,
      "monotonic-reads": 0,
      "read-your-writes": 0,
    });
  });

  it("reports a read that misses a value the session saw before (monotonic reads), with the lag", () => {
    const h = history().write(1, "k", 1, []).at(10).read(0, "k", [1]).at(30).read(0, "k", []);
    const r = check(h.ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["superseded-read", "monotonic-reads"]);
    expect(r.examples["monotonic-reads"]?.[0]).toMatchObject({
      process: 0,
      key: "k",
      value: 1,
      lagMs: 19,
      ops: [3, 5],
    });
    expect(r.monotonicLagMs).toMatchObject({ count: 1, max: 19 });
    // The value was known since its write's ack (op 1 at 1 ms): 29 ms before the read began.
    expect(r.examples["superseded-read"]?.[0]).toMatchObject({ value: 1, lagMs: 29, ops: [1, 5] });
  });

  it("allows a value to disappear once a write based on it was invoked before the read completed", () => {
    const h = history()
      .write(1, "k", 1, [])
      .read(0, "k", [1])
      .invoke(1, "write", { key: "k", value: 2, basis: [1] })
      .read(0, "k", [])
      .info(1);
    const r = check(h.ops, { consistency: "linearizable" });
    expect(r.valid).toBe(true);
    expect(r.anomalies).toEqual([]);
  });

  it("reports a read that misses the session's own acknowledged write (read your writes)", () => {
    const h = history().read(0, "k", []).at(10).write(0, "k", 1, []).at(15).read(0, "k", []);
    const r = check(h.ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["superseded-read", "read-your-writes"]);
    expect(r.examples["read-your-writes"]?.[0]).toMatchObject({ value: 1, lagMs: 4, ops: [3, 5] });
  });

  it("counts an own write that stays missing once, at the first read that missed it", () => {
    const h = history()
      .write(0, "k", 1, [])
      .write(1, "k", 2, [])
      .read(0, "k", [2])
      .read(0, "k", [2]);
    const r = check(h.ops);
    expect(r.counts).toMatchObject({ reads: 2, "read-your-writes": 1, "monotonic-reads": 0 });
  });

  it("keeps sessions per process: another process, or a retired one's successor, is not the session", () => {
    const other = history().write(0, "k", 1, []).read(1, "k", []);
    expect(check(other.ops).counts).toMatchObject({
      "superseded-read": 1,
      "monotonic-reads": 0,
      "read-your-writes": 0,
    });
    expect(check(other.ops).valid).toBe(true); // session guarantees hold; real time does not
    const successor = history().read(0, "k", [1]).write(0, "k", 2, [], "info").read(7, "k", []);
    expect(check(successor.ops).counts).toMatchObject({
      "monotonic-reads": 0,
      "read-your-writes": 0,
    });
  });

  it("reports a read of any client that misses a value another client saw before it began", () => {
    const h = history()
      .add(0, "c", 1, "info")
      .at(10)
      .read(1, "c", [[1]])
      .at(20)
      .read(2, "c", [[]])
      .finalRead(8, "c", "n1", 1, [[1]]);
    const r = check(h.ops, { consistency: "linearizable" });
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["superseded-read"]);
    // Known when the read that saw it completed (11 ms); the stale read began at 20 ms.
    expect(r.examples["superseded-read"]?.[0]).toMatchObject({
      process: 2,
      value: 1,
      lagMs: 9,
      ops: [3, 5],
    });
    expect(r.counterexamples).toEqual([3, 5]);
  });

  it("does not hold a read to a value known only after it began", () => {
    const h = history()
      .invoke(0, "add", { key: "c", value: 1 })
      .invoke(1, "read", { key: "c" })
      .ok(0)
      .ok(1, { value: [] });
    expect(check(h.ops, { consistency: "linearizable" }).anomalies).toEqual([]);
  });

  it("reads cart siblings as their items", () => {
    const h = history()
      .add(0, "c", 1)
      .read(0, "c", [[1], [2]])
      .read(0, "c", [[2]])
      .finalRead(8, "c", "n1", 1, [[1, 2]]);
    const r = check(h.ops);
    expect(r.anomalies).toEqual(["superseded-read", "monotonic-reads"]);
    const seen = history()
      .add(0, "c", 1)
      .read(0, "c", [[2, 1]]);
    expect(check(seen.ops).anomalies).toEqual([]);
  });

  describe("a write R2 counts as lost is no R3 failure", () => {
    it("cart: an item an lww overwrite lost for good is missed by no stale read", () => {
      // 1 and 2 are added concurrently from the same cart; the write with 2 overwrote the one with 1.
      const h = history()
        .add(0, "c", 1)
        .read(0, "c", [[1]])
        .add(1, "c", 2)
        .read(0, "c", [[2]])
        .read(0, "c", [[2]])
        .finalRead(8, "c", "n1", 1, [[2]]);
      const r = check(h.ops, { consistency: "linearizable" });
      expect(r.valid).toBe(true);
      expect(r.anomalies).toEqual([]);
      expect(r.counts).toMatchObject({ excused: 2, "read-your-writes": 0, "monotonic-reads": 0 });
      const lost = lostWritesChecker.check(h.ops, {});
      expect(lost.counts).toMatchObject({ lost: 1 });
    });

    it("cart without final reads: the latest client read decides what is lost", () => {
      const h = history()
        .add(0, "c", 1)
        .add(1, "c", 2)
        .read(0, "c", [[2]]);
      expect(check(h.ops).anomalies).toEqual([]);
    });

    it("register: a value dropped from every node's final read, superseded by nothing", () => {
      const h = history()
        .write(0, "k", 1, [])
        .write(1, "k", 2, [])
        .read(0, "k", [2])
        .finalRead(8, "k", "n1", 1, [2])
        .finalRead(9, "k", "n2", 1, [2]);
      const r = check(h.ops, { consistency: "linearizable" });
      expect(r.anomalies).toEqual([]);
      expect(r.counts.excused).toBe(1);
    });

    it("but a value some node still has is not lost: missing it is stale", () => {
      const h = history()
        .write(0, "k", 1, [])
        .write(1, "k", 2, [])
        .read(0, "k", [2])
        .finalRead(8, "k", "n1", 1, [1, 2])
        .finalRead(9, "k", "n2", 1, [2]);
      const r = check(h.ops);
      expect(r.anomalies.sort()).toEqual([
        "read-your-writes",
        "superseded-final-read",
        "superseded-read",
      ]);
      expect(r.examples["superseded-final-read"]?.[0]).toMatchObject({
        key: "k",
        node: "n2",
        value: 1,
      });
    });
  });

  describe("under last-write-wins, whose order (timestamps) the history does not record", () => {
    // 1 and 2 are added concurrently; a read misses 1 (2's write had the later timestamp); a
    // later add that had read 1 brought it back, so 1 is not lost.
    const overwritten = () =>
      history()
        .invoke(0, "add", { key: "c", value: 1 })
        .invoke(1, "add", { key: "c", value: 2 })
        .ok(0)
        .ok(1)
        .read(2, "c", [[2]])
        .add(3, "c", 3)
        .read(2, "c", [[1, 2, 3]])
        .finalRead(8, "c", "n1", 1, [[1, 2, 3]]);

    it("does not hold a read to a value whose write overlapped another write of the key", () => {
      const lww = { consistency: "linearizable", strategy: "lww" } as const;
      const r = check(overwritten().ops, lww);
      expect(r.anomalies).toEqual([]);
      expect(r.counts.excused).toBe(1);
      // The same history from a store that keeps concurrent values: that read was stale.
      expect(check(overwritten().ops, { consistency: "linearizable" }).anomalies).toEqual([
        "superseded-read",
      ]);
    });

    it("still judges a value whose write overlapped none", () => {
      const h = history()
        .add(0, "c", 1)
        .read(2, "c", [[]])
        .finalRead(8, "c", "n1", 1, [[1]]);
      const r = check(h.ops, { consistency: "linearizable", strategy: "lww" });
      expect(r.anomalies).toEqual(["superseded-read"]);
    });
  });

  it("reports a node whose last final read misses a live value, but leaves the verdict to convergence", () => {
    const h = history()
      .add(0, "c", 1)
      .finalRead(8, "c", "n1", 1, [[]])
      .finalRead(9, "c", "n2", 1, [[1]])
      .finalRead(8, "c", "n1", 2, [[]])
      .read(0, "c", [[1]]);
    const r = check(h.ops, {});
    expect(r.counts["superseded-final-read"]).toBe(1);
    expect(r.valid).toBe(true);
    expect(r.counterexamples).toEqual([]);
  });

  it("judges by the claimed consistency: eventual (the default) only reports", () => {
    const h = history().write(0, "k", 1, []).read(0, "k", []);
    expect(check(h.ops, {})).toMatchObject({
      valid: true,
      consistency: "eventual",
      anomalies: ["superseded-read", "read-your-writes"],
      counterexamples: [],
    });
    expect(check(h.ops, { consistency: "eventual" }).valid).toBe(true);
    expect(check(h.ops, { consistency: "session" }).valid).toBe(false);
    expect(check(h.ops, { consistency: "linearizable" }).valid).toBe(false);
    // Another client's stale read breaks no session guarantee: only linearizability.
    const other = history().write(0, "k", 1, []).read(1, "k", []);
    expect(check(other.ops, { consistency: "session" }).valid).toBe(true);
    expect(check(other.ops, { consistency: "linearizable" }).valid).toBe(false);
  });

  it("is unknown without reads", () => {
    expect(check(history().write(0, "k", 1, []).ops).valid).toBe("unknown");
  });

  const simulation = fc.record({
    seed: fc.integer(),
    opCount: fc.integer({ min: 1, max: 150 }),
    processCount: fc.integer({ min: 1, max: 5 }),
    keyCount: fc.integer({ min: 1, max: 3 }),
    workload: fc.constantFrom("cart" as const, "register" as const),
  });
  /** Ids of values a read saw (cart siblings: their items). */
  const seen = (op: Op) => (op.value as unknown[]).flatMap((s) => (Array.isArray(s) ? s : [s]));
  const without = (op: Op, value: unknown) =>
    (op.value as unknown[])
      .map((s) => (Array.isArray(s) ? s.filter((i) => i !== value) : s))
      .filter((s) => s !== value);
  const supersededBefore = (ops: Op[], key: string, value: unknown, time: number) =>
    ops.some(
      (o) =>
        o.type === "invoke" && o.key === key && (o.basis ?? []).includes(value) && o.time < time,
    );

  it("passes every history of a correct store, even under a linearizability claim (property)", () => {
    fc.assert(
      fc.property(simulation, (o) => {
        const r = check(simulateHistory({ ...o, nemesisEvery: 20 }), {
          consistency: "linearizable",
        });
        expect(r.anomalies).toEqual([]);
        expect(r.valid).not.toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it("names a stale read injected after a read of the same session (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = simulateHistory(o);
        // (earlier read, later read, value) of one session where the later read still sees the value.
        const candidates: { later: Op; value: unknown }[] = [];
        const last = new Map<string, Op>();
        for (const op of ops) {
          if (op.f !== "read" || op.type !== "ok") continue;
          const id = `${op.process} ${op.key}`;
          const before = last.get(id);
          last.set(id, op);
          if (before === undefined) continue;
          for (const v of seen(before)) {
            if (seen(op).includes(v) && !supersededBefore(ops, op.key!, v, op.time))
              candidates.push({ later: op, value: v });
          }
        }
        fc.pre(candidates.length > 0);
        const { later, value } = candidates[pick % candidates.length]!;
        const r = check(
          ops.map((op) => (op === later ? { ...op, value: without(op, value) } : op)),
        );
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("monotonic-reads");
        expect(r.anomalies).toContain("superseded-read");
        expect(r.examples["monotonic-reads"]).toContainEqual(
          expect.objectContaining({ value, ops: expect.arrayContaining([later.index]) }),
        );
      }),
      { numRuns: 150 },
    );
  });

  it("names a read injected to miss the session's own write (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = simulateHistory(o);
        // The first read of a key by a session after its own acknowledged write there, seeing it.
        const candidates: { read: Op; value: unknown }[] = [];
        const pending = new Map<string, unknown>();
        for (const op of ops) {
          if (op.type !== "ok") continue;
          const id = `${op.process} ${op.key}`;
          if (op.f === "write" || op.f === "add") pending.set(id, op.value);
          else if (op.f === "read" && pending.has(id)) {
            const value = pending.get(id);
            pending.delete(id);
            if (seen(op).includes(value) && !supersededBefore(ops, op.key!, value, op.time))
              candidates.push({ read: op, value });
          }
        }
        fc.pre(candidates.length > 0);
        const { read, value } = candidates[pick % candidates.length]!;
        const r = check(ops.map((op) => (op === read ? { ...op, value: without(op, value) } : op)));
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("read-your-writes");
        expect(r.examples["read-your-writes"]).toContainEqual(
          expect.objectContaining({ value, ops: expect.arrayContaining([read.index]) }),
        );
      }),
      { numRuns: 150 },
    );
  });

  it("never counts an acknowledged cart item lost for good as a stale read (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = simulateHistory({ ...o, workload: "cart" });
        const acked = ops.filter((op) => op.f === "add" && op.type === "ok");
        fc.pre(acked.length > 0);
        const victim = acked[pick % acked.length]!;
        // The item vanishes from every read that began after its add was acknowledged.
        const lost = ops.map((op) =>
          (op.f === "read" || op.f === "final-read") &&
          op.type === "ok" &&
          op.key === victim.key &&
          invokeTime(ops, op) > victim.time
            ? { ...op, value: without(op, victim.value) }
            : op,
        );
        const r = check(lost, { consistency: "linearizable" });
        expect(r.anomalies).toEqual([]);
        expect(lostWritesChecker.check(lost, {}).counts).toMatchObject({ lost: 1 });
      }),
      { numRuns: 150 },
    );
  });
});

/** The invoke time of a completion (its process's previous op). */
function invokeTime(ops: readonly Op[], completion: Op): number {
  for (let i = completion.index - 1; i >= 0; i--) {
    if (ops[i]!.process === completion.process) return ops[i]!.time;
  }
  return completion.time;
}
