import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CheckOptions } from "./checker.js";
import type { Op } from "./history.js";
import { history } from "./history-builder.js";
import { simulateHistory } from "./simulated-history.js";
import { staleReadsChecker } from "./stale-reads-checker.js";

interface Result {
  valid: true | false | "unknown";
  consistency: string;
  anomalies: string[];
  counts: Record<string, number>;
  monotonicLagMs: { count: number; max?: number };
  readYourWritesLagMs: { count: number; max?: number };
  examples: Record<
    string,
    { process: number; key: string; value: unknown; lagMs: number; ops: number[] }[]
  >;
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
    expect(r.counts).toMatchObject({
      reads: 2,
      sessions: 1,
      "monotonic-reads": 0,
      "read-your-writes": 0,
    });
  });

  it("reports a read that misses a value the session saw before (monotonic reads), with the lag", () => {
    const h = history().write(1, "k", 1, []).at(10).read(0, "k", [1]).at(30).read(0, "k", []);
    const r = check(h.ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["monotonic-reads"]);
    expect(r.examples["monotonic-reads"]?.[0]).toMatchObject({
      process: 0,
      key: "k",
      value: 1,
      lagMs: 19,
      ops: [3, 5],
    });
    expect(r.monotonicLagMs).toMatchObject({ count: 1, max: 19 });
  });

  it("allows a value to disappear once a write based on it was invoked before the read completed", () => {
    const h = history()
      .write(1, "k", 1, [])
      .read(0, "k", [1])
      .invoke(1, "write", { key: "k", value: 2, basis: [1] })
      .read(0, "k", [])
      .info(1);
    expect(check(h.ops).valid).toBe(true);
  });

  it("reports a read that misses the session's own acknowledged write (read your writes)", () => {
    const h = history().read(0, "k", []).at(10).write(0, "k", 1, []).at(15).read(0, "k", []);
    const r = check(h.ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["read-your-writes"]);
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
    expect(check(other.ops).anomalies).toEqual([]);
    const successor = history().read(0, "k", [1]).write(0, "k", 2, [], "info").read(7, "k", []);
    expect(check(successor.ops).anomalies).toEqual([]);
  });

  it("reads cart siblings as their items", () => {
    const h = history()
      .add(0, "c", 1)
      .read(0, "c", [[1], [2]])
      .read(0, "c", [[2]]);
    const r = check(h.ops);
    expect(r.anomalies).toEqual(["monotonic-reads"]); // once seen, the own write is a seen value
    expect(
      check(
        history()
          .add(0, "c", 1)
          .read(0, "c", [[2, 1]]).ops,
      ).valid,
    ).toBe(true);
  });

  it("judges by the claimed consistency: eventual (the default) only reports", () => {
    const h = history().write(0, "k", 1, []).read(0, "k", []);
    expect(check(h.ops, {})).toMatchObject({
      valid: true,
      consistency: "eventual",
      anomalies: ["read-your-writes"],
    });
    expect(check(h.ops, { consistency: "eventual" }).valid).toBe(true);
    expect(check(h.ops, { consistency: "linearizable" }).valid).toBe(false);
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
  const supersededBefore = (ops: Op[], key: string, value: unknown, time: number) =>
    ops.some(
      (o) =>
        o.type === "invoke" && o.key === key && (o.basis ?? []).includes(value) && o.time < time,
    );

  it("passes every history of a correct store (property)", () => {
    fc.assert(
      fc.property(simulation, (o) => {
        const r = check(simulateHistory({ ...o, nemesisEvery: 20 }));
        expect(r.anomalies).toEqual([]);
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
        const stale = (later.value as unknown[])
          .map((s) => (Array.isArray(s) ? s.filter((i) => i !== value) : s))
          .filter((s) => s !== value);
        const r = check(ops.map((op) => (op === later ? { ...op, value: stale } : op)));
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("monotonic-reads");
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
        const stale = (read.value as unknown[])
          .map((s) => (Array.isArray(s) ? s.filter((i) => i !== value) : s))
          .filter((s) => s !== value);
        const r = check(ops.map((op) => (op === read ? { ...op, value: stale } : op)));
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("read-your-writes");
        expect(r.examples["read-your-writes"]).toContainEqual(
          expect.objectContaining({ value, ops: expect.arrayContaining([read.index]) }),
        );
      }),
      { numRuns: 150 },
    );
  });
});
