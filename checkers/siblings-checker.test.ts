import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CheckOptions } from "./checker.js";
import type { Op } from "./history.js";
import { history } from "./history-builder.js";
import { siblingsChecker } from "./siblings-checker.js";
import { simulateHistory } from "./simulated-history.js";

interface Result {
  valid: true | false | "unknown";
  anomalies: string[];
  counts: Record<string, number>;
  siblingCounts: Record<number, number>;
  examples: Record<string, { value: unknown; with?: unknown; ops: number[] }[]>;
  counterexamples: number[];
}
const check = (ops: Op[], options: CheckOptions = {}) =>
  siblingsChecker.check(ops, options) as unknown as Result;
const finals = (h: ReturnType<typeof history>, siblings: unknown[], round = 1) =>
  h.finalRead(8, "k", "n1", round, siblings).finalRead(9, "k", "n2", round, siblings);

describe("siblings checker", () => {
  it("passes a value superseded by a write whose basis held it", () => {
    const h = history()
      .write(0, "k", 1, [])
      .read(0, "k", [1])
      .write(0, "k", 2, [1])
      .read(1, "k", [2]);
    const r = check(finals(h, [2]).ops);
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ preserved: 1, dropped: 0 });
  });

  it("reports a concurrent write silently overwritten (lww) as dropped", () => {
    const h = history()
      .invoke(0, "write", { key: "k", value: 1, basis: [] })
      .invoke(1, "write", { key: "k", value: 2, basis: [] })
      .ok(0)
      .ok(1);
    const r = check(finals(h, [2]).ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["dropped"]);
    expect(r.examples.dropped?.[0]).toMatchObject({ value: 1, ops: [2, 5] });
    expect(
      check(finals(history().write(0, "k", 1, []).write(1, "k", 2, []), [1, 2]).ops).valid,
    ).toBe(true);
  });

  it("lets a value go once an info write based on it may have applied, but not a failed one", () => {
    const base = () => history().write(0, "k", 1, []).read(0, "k", [1]);
    expect(check(finals(base().write(0, "k", 2, [1], "info"), [2]).ops).valid).toBe(true);
    expect(check(finals(base().write(0, "k", 2, [1], "info"), [1]).ops).valid).toBe(true);
    const failed = check(finals(base().write(0, "k", 2, [1], "fail"), []).ops);
    expect(failed.anomalies).toEqual(["dropped"]);
  });

  it("reports a superseded value read after its supersession was acknowledged as a stale read", () => {
    const h = history().write(0, "k", 1, []).write(0, "k", 2, [1]).read(1, "k", [1]);
    const r = check(finals(h, [2]).ops, { consistency: "linearizable" });
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["stale-read"]);
    expect(r.counts).toMatchObject({ staleReads: 1, "stale-read": 1, resurrected: 0 });
    expect(r.examples["stale-read"]?.[0]).toMatchObject({ value: 1, ops: [5, 3] });
  });

  it("only counts such a read as stale when the test claims eventual consistency (the default)", () => {
    const h = finals(history().write(0, "k", 1, []).write(0, "k", 2, [1]).read(1, "k", [1]), [2]);
    for (const options of [{ consistency: "eventual" } as const, {}]) {
      const r = check(h.ops, options);
      expect(r.valid).toBe(true);
      expect(r.counts.staleReads).toBe(1);
    }
  });

  it("under session consistency judges a read only against its own process's superseding writes", () => {
    // Client 0 supersedes 1 with 2 (acknowledged); client 1 then reads the stale [1]: no
    // session guarantee of client 1 is broken, only a cross-session (linearizable) one.
    const other = finals(
      history().write(0, "k", 1, []).write(0, "k", 2, [1]).read(1, "k", [1]),
      [2],
    );
    const session = check(other.ops, { consistency: "session" });
    expect(session).toMatchObject({ valid: true, anomalies: [] });
    expect(session.counts.staleReads).toBe(1);
    expect(check(other.ops, { consistency: "linearizable" }).anomalies).toEqual(["stale-read"]);

    // Client 0 reads its own superseded value back: that breaks read-your-writes.
    const own = finals(history().write(0, "k", 1, []).write(0, "k", 2, [1]).read(0, "k", [1]), [2]);
    const r = check(own.ops, { consistency: "session" });
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["stale-read"]);
    expect(r.examples["stale-read"]?.[0]).toMatchObject({ value: 1, ops: [5, 3] });
  });

  it("under session consistency holds a read to its own process's earliest supersession", () => {
    // Client 1 supersedes 1 too, after its first read: only its second read is judged.
    const h = history()
      .write(0, "k", 1, [])
      .write(0, "k", 2, [1])
      .read(1, "k", [1])
      .write(1, "k", 3, [1])
      .read(1, "k", [1]);
    const r = check(finals(h, [2, 3]).ops, { consistency: "session" });
    expect(r.anomalies).toEqual(["stale-read"]);
    expect(r.counts).toMatchObject({ "stale-read": 1, staleReads: 2 });
    expect(r.examples["stale-read"]?.[0]?.ops).toEqual([9, 7]);
  });

  it("under session consistency holds a read to what its own writes superseded transitively", () => {
    // Client 0 wrote 3 over 2, which client 1 had written over 1: client 0's 3 superseded 1.
    const h = history()
      .write(1, "k", 1, [])
      .write(1, "k", 2, [1])
      .write(0, "k", 3, [2])
      .read(0, "k", [1]);
    const r = check(finals(h, [3]).ops, { consistency: "session" });
    expect(r.anomalies).toEqual(["stale-read"]);
    expect(r.examples["stale-read"]?.[0]?.ops).toEqual([7, 5]);
  });

  it("judges a superseded value in an agreeing last final round whatever the claim", () => {
    const h = finals(history().write(0, "k", 1, []).write(0, "k", 2, [1]), [1]);
    for (const consistency of ["eventual", "session", "linearizable"] as const)
      expect(check(h.ops, { consistency }).anomalies).toContain("resurrected");
  });

  it("does not judge a read that began before the superseding write was acknowledged", () => {
    const h = history()
      .write(0, "k", 1, [])
      .invoke(1, "read", { key: "k" })
      .write(0, "k", 2, [1])
      .ok(1, { value: [1] });
    expect(check(finals(h, [2]).ops).valid).toBe(true);
  });

  it("reports a superseded value in a last final round as resurrected, not in an earlier one", () => {
    const base = () => history().write(0, "k", 1, []).write(0, "k", 2, [1]);
    const early = finals(finals(base(), [1]), [2], 2);
    expect(check(early.ops).valid).toBe(true);
    const late = finals(base(), [1]);
    const r = check(late.ops, { consistency: "eventual" });
    expect(r.anomalies).toEqual(expect.arrayContaining(["resurrected", "dropped"]));
  });

  it("reports a value returned together with a value of its basis as a false sibling", () => {
    const h = history().write(0, "k", 1, []).write(0, "k", 2, [1]);
    h.invoke(1, "read", { key: "k" }).ok(1, { value: [2, 1] });
    const r = check(finals(h, [2]).ops, { consistency: "eventual" });
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["false-sibling"]);
    expect(r.examples["false-sibling"]?.[0]).toMatchObject({ value: 1, with: 2 });
  });

  it("reports a value returned beside one that superseded it transitively as a false sibling, not a stale read", () => {
    // 3 was written over 2, and 2 over 1: a read of [1, 3] keeps a value 3 superseded.
    const h = history().write(0, "k", 1, []).write(0, "k", 2, [1]).write(0, "k", 3, [2]);
    h.invoke(1, "read", { key: "k" }).ok(1, { value: [1, 3] });
    const r = check(finals(h, [3]).ops, { consistency: "linearizable" });
    expect(r.anomalies).toEqual(["false-sibling"]);
    expect(r.examples["false-sibling"]?.[0]).toMatchObject({ value: 1, with: 3, ops: [7, 5] });
    expect(r.counts).toMatchObject({ staleReads: 0, "stale-read": 0 });
  });

  it("reports a read of a value first written after the read completed as a future read", () => {
    const h = history().write(0, "k", 1, []);
    h.invoke(1, "read", { key: "k" }).ok(1, { value: [2] });
    h.write(0, "k", 2, [1]);
    const r = check(finals(h, [2]).ops);
    expect(r.anomalies).toEqual(["future-read"]);
    expect(r.examples["future-read"]?.[0]).toMatchObject({ value: 2, ops: [3, 4] });
    // Concurrent with its write, the same read is fine.
    const concurrent = history().write(0, "k", 1, []);
    concurrent.invoke(0, "write", { key: "k", value: 2, basis: [1] });
    concurrent
      .invoke(1, "read", { key: "k" })
      .ok(0)
      .ok(1, { value: [2] });
    expect(check(finals(concurrent, [2]).ops).valid).toBe(true);
  });

  describe("stale or resurrected: which replica was read", () => {
    /** A whole client read served by `node`. */
    const readAt = (h: ReturnType<typeof history>, p: number, node: string, values: unknown[]) =>
      h.invoke(p, "read", { key: "k", node }).ok(p, { value: values });
    /** Client 0 writes 1, then 2 over it, through the leader n1. */
    const superseded = () =>
      history()
        .invoke(0, "write", { key: "k", value: 1, basis: [], node: "n1" })
        .ok(0)
        .invoke(0, "write", { key: "k", value: 2, basis: [1], node: "n1" })
        .ok(0);

    it("a client reading its old value back from a lagging follower is a stale read", () => {
      const h = finals(readAt(superseded(), 0, "n2", [1]), [2]);
      const eventual = check(h.ops);
      expect(eventual).toMatchObject({ valid: true, anomalies: [] });
      expect(eventual.counts).toMatchObject({ staleReads: 1, resurrected: 0 });
      // Its own write superseded 1: a session claim is broken, as a stale read (R3), not R2.
      expect(check(h.ops, { consistency: "session" }).anomalies).toEqual(["stale-read"]);
    });

    it("the old value coming back on a node that had returned its successor is resurrected", () => {
      const h = finals(readAt(readAt(superseded(), 1, "n2", [2]), 0, "n2", [1]), [2]);
      for (const consistency of ["eventual", "session", "linearizable"] as const) {
        const r = check(h.ops, { consistency });
        expect(r.anomalies).toEqual(["resurrected"]);
        expect(r.examples.resurrected?.[0]).toMatchObject({ value: 1, node: "n2", ops: [7, 3] });
      }
      // A successor seen on another node proves nothing about n2: still a stale read.
      const elsewhere = finals(readAt(readAt(superseded(), 1, "n3", [2]), 0, "n2", [1]), [2]);
      expect(check(elsewhere.ops).counts).toMatchObject({ staleReads: 1, resurrected: 0 });
    });

    it("a successor seen transitively counts: a read of 3 (written over 2) is past 1", () => {
      const h = superseded()
        .invoke(0, "write", { key: "k", value: 3, basis: [2], node: "n1" })
        .ok(0);
      const r = check(finals(readAt(readAt(h, 1, "n2", [3]), 0, "n2", [1]), [3]).ops);
      expect(r.anomalies).toEqual(["resurrected"]);
    });

    it("a lagging node in a last final round that does not agree is left to convergence", () => {
      const h = superseded().finalRead(8, "k", "n1", 1, [2]).finalRead(9, "k", "n2", 1, [1]);
      const r = check(h.ops);
      expect(r).toMatchObject({ valid: true, anomalies: [] });
      expect(r.counts).toMatchObject({ laggingFinalReads: 1, resurrected: 0 });
      // Once n2 had returned 2, its final 1 is a resurrection.
      const regressed = readAt(superseded(), 1, "n2", [2])
        .finalRead(8, "k", "n1", 1, [2])
        .finalRead(9, "k", "n2", 1, [1]);
      expect(check(regressed.ops).anomalies).toEqual(["resurrected"]);
    });
  });

  it("reports values no ok or info write produced as unexpected", () => {
    const h = history().write(0, "k", 1, [], "fail").read(1, "k", [1]).read(1, "k", [7]);
    const r = check(finals(h, []).ops);
    expect(r.anomalies).toEqual(["unexpected"]);
    expect(r.counts.unexpected).toBe(2);
  });

  it("compares register values that are lists or objects whole, whatever their key order", () => {
    const h = history()
      .write(0, "k", [1, { a: 1, b: 2 }], [])
      .read(0, "k", [[1, { b: 2, a: 1 }]])
      .read(1, "k", [[1, 2]]);
    const r = check(finals(h, [[1, { b: 2, a: 1 }]]).ops);
    expect(r.anomalies).toEqual(["unexpected"]);
    expect(r.examples.unexpected).toEqual([
      expect.objectContaining({ value: [1, 2], why: "never written" }),
    ]);
    expect(r.counts).toMatchObject({ unexpected: 1, preserved: 1, dropped: 0 });
    expect(r.siblingCounts).toEqual({ 1: 2 });
  });

  it("treats a cas as a write of its new value through its basis", () => {
    const h = history().write(0, "k", 1, []).read(0, "k", [1]);
    h.invoke(0, "cas", { key: "k", value: [1, 2], basis: [1] }).ok(0);
    expect(check(finals(h, [2]).ops).valid).toBe(true);
    expect(
      check(finals(history().write(0, "k", 1, []).read(0, "k", [1]), [2]).ops).anomalies,
    ).toContain("unexpected");
  });

  it("leaves cart keys (adds) alone", () => {
    const h = history()
      .add(0, "c", 1)
      .read(1, "c", [[1]])
      .finalRead(8, "c", "n1", 1, [[1]]);
    expect(check(h.ops)).toMatchObject({ valid: true, anomalies: [] });
  });

  it("is unknown without final reads, and reports sibling counts per client read", () => {
    const h = history()
      .write(0, "k", 1, [])
      .write(1, "k", 2, [])
      .read(2, "k", [1, 2])
      .read(2, "k", [2])
      .read(2, "k", []);
    const r = check(h.ops);
    expect(r.valid).toBe("unknown");
    expect(r.siblingCounts).toEqual({ 0: 1, 1: 1, 2: 1 });
  });

  const simulation = fc.record({
    seed: fc.integer(),
    opCount: fc.integer({ min: 1, max: 150 }),
    processCount: fc.integer({ min: 1, max: 6 }),
    keyCount: fc.integer({ min: 1, max: 3 }),
    lagging: fc.boolean(),
  });
  const register = (o: { seed: number; opCount: number }) =>
    simulateHistory({ ...o, workload: "register", nemesisEvery: 25 });
  const mapFinal = (ops: Op[], key: string, f: (values: unknown[], op: Op) => unknown[]) => {
    const lastRound = Math.max(
      ...ops.filter((o) => o.f === "final-read").map((o) => o.round as number),
    );
    return ops.map((op) =>
      op.f === "final-read" && op.type === "ok" && op.key === key && op.round === lastRound
        ? { ...op, value: f(op.value as unknown[], op) }
        : op,
    );
  };
  const superseding = (ops: Op[]) =>
    new Set(
      ops
        .filter(
          (o) => (o.f === "write" || o.f === "cas") && o.type !== "invoke" && o.type !== "fail",
        )
        .flatMap((o) => o.basis ?? []),
    );

  it("passes every history of a correct siblings store (property)", () => {
    fc.assert(
      fc.property(simulation, (o) => {
        const r = check(register(o));
        expect(r.anomalies).toEqual([]);
        expect(r.valid).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("names a dropped value removed from the final reads (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = register(o);
        const covered = superseding(ops);
        const live = ops.filter(
          (op) => op.f === "write" && op.type === "ok" && !covered.has(op.value),
        );
        fc.pre(live.length > 0);
        const victim = live[pick % live.length]!;
        const r = check(mapFinal(ops, victim.key!, (vs) => vs.filter((v) => v !== victim.value)));
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("dropped");
        expect(r.examples.dropped?.map((e) => e.value)).toContain(victim.value);
      }),
      { numRuns: 150 },
    );
  });

  it("names a resurrected value that every node's last final read returns (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = register(o);
        const acked = ops.filter((op) => (op.f === "write" || op.f === "cas") && op.type === "ok");
        const victims = acked.flatMap((op) =>
          (op.basis ?? []).map((v) => ({ key: op.key!, value: v })),
        );
        fc.pre(victims.length > 0);
        const victim = victims[pick % victims.length]!;
        // Every node's last round agrees on the superseded value: every replica holds it.
        const r = check(mapFinal(ops, victim.key, () => [victim.value]));
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("resurrected");
        expect(r.examples.resurrected?.map((e) => e.value)).toContain(victim.value);
      }),
      { numRuns: 150 },
    );
  });

  it("names a false sibling added to a read beside a value that superseded it (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = register(o);
        const writers = new Map(
          ops
            .filter((op) => op.f === "write" && op.type === "ok")
            .map((op) => [op.value, op.basis ?? []]),
        );
        const candidates = ops.filter(
          (op) =>
            op.f === "read" &&
            op.type === "ok" &&
            (op.value as unknown[]).some((v) => (writers.get(v) ?? []).length > 0),
        );
        fc.pre(candidates.length > 0);
        const read = candidates[pick % candidates.length]!;
        const newer = (read.value as unknown[]).find((v) => (writers.get(v) ?? []).length > 0);
        const older = writers.get(newer)![0];
        const injected = ops.map((op) =>
          op === read ? { ...op, value: [...(op.value as unknown[]), older] } : op,
        );
        const r = check(injected, { consistency: "eventual" });
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("false-sibling");
        // Named beside newer, or beside another value of the read that superseded it as well.
        const named = r.examples["false-sibling"]?.find((e) => e.value === older);
        expect(named).toBeDefined();
        expect(read.value as unknown[]).toContain(named!.with);
      }),
      { numRuns: 150 },
    );
  });

  /** Over the chains of context writes of a simulated history: each written value's basis
   * (ok and info writes; a cas writes its new value), and its key and write's invoke time.
   * Values are unique across keys. */
  const chains = (ops: Op[]) => {
    const basisOf = new Map<unknown, unknown[]>();
    const invokedAt = new Map<unknown, { key: string; time: number }>();
    const invokes = new Map<number, Op>();
    for (const op of ops) {
      if (op.f !== "write" && op.f !== "cas") continue;
      const value = op.f === "cas" ? (op.value as unknown[])[1] : op.value;
      if (op.type === "invoke") {
        if (typeof op.process === "number") invokes.set(op.process, op);
        continue;
      }
      if (op.type === "fail") continue;
      basisOf.set(value, op.basis ?? []);
      invokedAt.set(value, { key: op.key!, time: (invokes.get(op.process as number) ?? op).time });
    }
    return { basisOf, invokedAt };
  };

  it("over chains of context writes: a value beside one that superseded it through two writes or more is a false sibling, not a stale read (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = register(o);
        const { basisOf } = chains(ops);
        // Reads of a value v with an ancestor u two writes or more back (u ∉ v's own basis).
        const candidates = ops.flatMap((op) => {
          if (op.f !== "read" || op.type !== "ok") return [];
          const seen = op.value as unknown[];
          return seen.flatMap((v) => {
            const direct = basisOf.get(v) ?? [];
            return direct
              .flatMap((p) => basisOf.get(p) ?? [])
              .filter((u) => !direct.includes(u) && !seen.includes(u))
              .map((u) => ({ read: op, u, v }));
          });
        });
        fc.pre(candidates.length > 0);
        const { read, u } = candidates[pick % candidates.length]!;
        const injected = ops.map((op) =>
          op === read ? { ...op, value: [...(op.value as unknown[]), u] } : op,
        );
        for (const consistency of ["eventual", "linearizable"] as const) {
          const r = check(injected, { consistency });
          expect(r.anomalies).toEqual(["false-sibling"]);
          expect(r.examples["false-sibling"]?.map((e) => e.value)).toContain(u);
          expect(r.counts).toMatchObject({ staleReads: 0, "stale-read": 0, resurrected: 0 });
        }
      }),
      { numRuns: 150 },
    );
  });

  it("over chains of context writes: a read of a value first written after the read completed is a future read (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), fc.nat(), (o, pickRead, pickValue) => {
        const ops = register(o);
        const { invokedAt } = chains(ops);
        const reads = ops.filter((op) => op.f === "read" && op.type === "ok");
        fc.pre(reads.length > 0);
        const read = reads[pickRead % reads.length]!;
        const later = [...invokedAt]
          .filter(([, w]) => w.key === read.key && w.time > read.time)
          .map(([v]) => v);
        fc.pre(later.length > 0);
        const future = later[pickValue % later.length];
        const injected = ops.map((op) => (op === read ? { ...op, value: [future] } : op));
        const r = check(injected, { consistency: "linearizable" });
        expect(r.valid).toBe(false);
        expect(r.anomalies).toEqual(["future-read"]);
        expect(r.examples["future-read"]?.[0]).toMatchObject({ value: future });
      }),
      { numRuns: 150 },
    );
  });

  it("under lww, reports every acknowledged value silently overwritten (property)", () => {
    fc.assert(
      fc.property(simulation, (o) => {
        const overwritten: number[] = [];
        const ops = simulateHistory({
          ...o,
          workload: "register",
          strategy: "lww",
          onOverwrite: (_key, v) => overwritten.push(v),
        });
        const acked = new Set(
          ops
            .filter((op) => (op.f === "write" || op.f === "cas") && op.type === "ok")
            .map((op) => (op.f === "cas" ? (op.value as unknown[])[1] : op.value)),
        );
        const covered = superseding(ops);
        const lost = overwritten.filter((v) => acked.has(v) && !covered.has(v));
        const r = check(ops);
        expect(r.counts.dropped).toBe(lost.length);
        expect(r.valid).toBe(lost.length === 0);
      }),
      { numRuns: 150 },
    );
  });
});
