import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convergenceChecker } from "./convergence-checker.js";
import type { Op } from "./history.js";
import { type HistoryBuilder, history } from "./history-builder.js";
import { simulateHistory } from "./simulated-history.js";

interface Result {
  valid: true | false | "unknown";
  anomalies: string[];
  counts: Record<string, number>;
  convergenceMs?: number;
  measuredFrom?: string;
  agreedRound?: number;
  examples: Record<string, { key: string; values?: Record<string, unknown>; value?: unknown }[]>;
  counterexamples: number[];
}
const check = (ops: Op[]) => convergenceChecker.check(ops, {}) as unknown as Result;
// Writes 1 and 2, then heal-all invoked at 10 ms and completed at 11 ms.
const written = () =>
  history()
    .write(0, "k", 1, [])
    .write(1, "k", 2, [])
    .at(10)
    .nemesis("invoke", "heal-all")
    .nemesis("ok", "heal-all");

/** One probe round: every node's answer for `key` (undefined: that node's read failed). */
function probeRound(
  h: HistoryBuilder,
  round: number,
  key: string,
  answers: Record<string, unknown[] | undefined>,
): HistoryBuilder {
  for (const [i, [node, value]] of Object.entries(answers).entries()) {
    const process = 1000 + i;
    h.invoke(process, "probe", { key, node, round });
    if (value === undefined) h.fail(process);
    else h.ok(process, { value });
  }
  return h;
}

describe("convergence checker", () => {
  it("passes when the last rounds agree as sets, timing agreement from the last nemesis completion", () => {
    // n1's read completes at 21 ms, n2's at 23 ms: agreement 12 ms after heal-all completed.
    const h = written()
      .at(20)
      .finalRead(8, "k", "n1", 1, [1, 2])
      .finalRead(9, "k", "n2", 1, [2, 1]);
    const r = check(h.ops);
    expect(r.valid).toBe(true);
    expect(r.anomalies).toEqual([]);
    expect(r.counts).toMatchObject({ keys: 1, nodes: 2, rounds: 1, divergent: 0 });
    expect(r).toMatchObject({
      convergenceMs: 12,
      measuredFrom: "last-nemesis",
      agreedRound: 1,
      agreedAtFirstRound: true,
    });
  });

  it("times agreement to the first round from which the nodes agree", () => {
    const h = written()
      .at(20)
      .finalRead(8, "k", "n1", 1, [1, 2])
      .finalRead(9, "k", "n2", 1, [2])
      .at(100)
      .finalRead(8, "k", "n1", 2, [1, 2])
      .finalRead(9, "k", "n2", 2, [1, 2]);
    const r = check(h.ops);
    expect(r.valid).toBe(true);
    expect(r).toMatchObject({ convergenceMs: 92, agreedRound: 2, agreedAtFirstRound: false });
  });

  it("reports a key whose nodes still differ in the last round as divergent, with each node's values", () => {
    const h = written()
      .finalRead(8, "k", "n1", 1, [1, 2])
      .finalRead(9, "k", "n2", 1, [1, 2])
      .finalRead(8, "k", "n1", 2, [1, 2])
      .finalRead(9, "k", "n2", 2, [2]);
    const r = check(h.ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["divergent"]);
    expect(r.examples.divergent?.[0]).toMatchObject({ key: "k", values: { n1: [1, 2], n2: [2] } });
    expect(r.convergenceMs).toBeUndefined();
    expect(r.counterexamples.length).toBe(2);
  });

  it("carries a node's view forward when a later round did not read it", () => {
    const h = written()
      .finalRead(8, "k", "n1", 1, [1, 2])
      .finalRead(9, "k", "n2", 1, [2])
      .finalRead(9, "k", "n2", 2, [1, 2]);
    expect(check(h.ops)).toMatchObject({ valid: true, agreedRound: 2 });
  });

  it("reports values no ok or info write produced as unexpected, even when the nodes agree", () => {
    const h = history()
      .write(0, "k", 1, [])
      .write(1, "k", 2, [], "fail")
      .write(2, "k", 3, [], "info")
      .finalRead(8, "k", "n1", 1, [1, 2, 3, 4])
      .finalRead(9, "k", "n2", 1, [1, 2, 3, 4]);
    const r = check(h.ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["unexpected"]);
    expect(r.examples.unexpected?.map((e) => e.value)).toEqual([2, 4, 2, 4]);
  });

  it("compares cart siblings as sets of items, and items against the adds", () => {
    const adds = () => history().add(0, "c", 1).add(1, "c", 2);
    const same = adds()
      .finalRead(8, "c", "n1", 1, [[1, 2]])
      .finalRead(9, "c", "n2", 1, [[2, 1]]);
    expect(check(same.ops).valid).toBe(true);
    const other = adds()
      .finalRead(8, "c", "n1", 1, [[1, 2]])
      .finalRead(9, "c", "n2", 1, [[1], [2]]);
    expect(check(other.ops).anomalies).toEqual(["divergent"]);
    const phantom = adds()
      .finalRead(8, "c", "n1", 1, [[1, 5]])
      .finalRead(9, "c", "n2", 1, [[1, 5]]);
    expect(check(phantom.ops).examples.unexpected?.[0]).toMatchObject({ key: "c", value: 5 });
  });

  it("measures from the start of the final phase when there were no faults", () => {
    const h = history()
      .write(0, "k", 1, [])
      .at(50)
      .finalRead(8, "k", "n1", 1, [1])
      .finalRead(9, "k", "n2", 1, [1]);
    expect(check(h.ops)).toMatchObject({
      valid: true,
      convergenceMs: 3,
      measuredFrom: "final-phase",
    });
  });

  it("is unknown without final reads, or when a node never answered for a key", () => {
    expect(check(history().write(0, "k", 1, []).ops).valid).toBe("unknown");
    const h = history()
      .write(0, "k", 1, [])
      .finalRead(8, "k", "n1", 1, [1])
      .finalRead(9, "j", "n2", 1, [])
      .invoke(9, "final-read", { key: "k", node: "n2", round: 1 })
      .fail(9);
    const r = check(h.ops);
    expect(r.valid).toBe("unknown");
    expect(r.anomalies).toEqual(["unread"]);
  });

  describe("probe reads during the run", () => {
    const healed = (h: HistoryBuilder) =>
      h
        .nemesis("invoke", "heal-all")
        .nemesis("ok", "heal-all")
        .finalRead(8, "k", "n1", 1, [1, 2])
        .finalRead(9, "k", "n2", 1, [1, 2]);

    it("say the replicas agreed throughout when every probe round agreed", () => {
      const h = history().write(0, "k", 1, []);
      probeRound(h, 1, "k", { n1: [1], n2: [1] });
      h.write(1, "k", 2, [1]);
      probeRound(h, 2, "k", { n1: [2, 1], n2: [1, 2] });
      const r = check(healed(h).ops) as Result & Record<string, unknown>;
      expect(r.valid).toBe(true);
      expect(r.agreedDuringRun).toBe(true);
      expect(r.probes).toEqual({
        rounds: 2,
        judgedRounds: 2,
        disagreeingRounds: 0,
        disagreementMsMax: 0,
      });
      expect(r.counts).toMatchObject({ "probe-rounds": 2, "probe-rounds-disagreeing": 0 });
    });

    it("report rounds where two nodes answered differently, and the longest stretch, never as a verdict", () => {
      const h = history().write(0, "k", 1, []);
      probeRound(h.at(10), 1, "k", { n1: [1], n2: [] }); // 10 … 13 ms
      probeRound(h.at(20), 2, "k", { n1: [1], n2: [] }); // 20 … 23 ms
      probeRound(h.at(30), 3, "k", { n1: [1], n2: [1] });
      probeRound(h.at(40), 4, "k", { n1: [1], n2: [2] }); // 40 … 43 ms
      h.write(1, "k", 2, [1]);
      const r = check(healed(h).ops) as Result & Record<string, unknown>;
      expect(r.valid).toBe(true);
      expect(r.agreedDuringRun).toBe(false);
      expect(r.probes).toEqual({
        rounds: 4,
        judgedRounds: 4,
        disagreeingRounds: 3,
        disagreementMsMax: 13,
      });
      expect(r.anomalies).toEqual(["probe-divergent"]);
      expect(r.examples["probe-divergent"]?.[0]).toMatchObject({
        key: "k",
        values: { n1: [1], n2: [] },
      });
      expect(r.counterexamples).toEqual([]);
    });

    it("do not judge a round in which fewer than two nodes answered a key", () => {
      const h = history().write(0, "k", 1, []);
      probeRound(h, 1, "k", { n1: [1], n2: undefined });
      const r = check(healed(h).ops) as Result & Record<string, unknown>;
      expect(r.probes).toMatchObject({ rounds: 1, judgedRounds: 0, disagreeingRounds: 0 });
    });

    it("compare cart answers as sets of items", () => {
      const h = history().add(0, "c", 1).add(1, "c", 2);
      probeRound(h, 1, "c", { n1: [[1, 2]], n2: [[2, 1]] });
      probeRound(h, 2, "c", { n1: [[1, 2]], n2: [[1], [2]] });
      const r = check(h.ops) as Result & Record<string, unknown>;
      expect(r.probes).toMatchObject({ judgedRounds: 2, disagreeingRounds: 1 });
    });

    const rounds = fc.array(
      fc.record({
        key: fc.constantFrom("k1", "k2"),
        siblings: fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { maxLength: 3 }),
        nodeCount: fc.integer({ min: 2, max: 4 }),
      }),
      { minLength: 1, maxLength: 12 },
    );
    /** Probe rounds where every node answers the same siblings (each in its own order), and
     * optionally one round where one node answers one sibling more. */
    const probed = (
      spec: { key: string; siblings: number[]; nodeCount: number }[],
      odd?: number,
    ) => {
      const h = history();
      for (let i = 1; i <= 20; i++) h.write(0, "k1", i, []).write(0, "k2", i, []);
      for (const [i, { key, siblings, nodeCount }] of spec.entries()) {
        const answers: Record<string, unknown[]> = {};
        for (let n = 1; n <= nodeCount; n++) {
          answers[`n${n}`] = n % 2 === 0 ? [...siblings].reverse() : [...siblings];
        }
        if (i === odd) answers.n2 = [...siblings, 21];
        probeRound(h, i + 1, key, answers);
      }
      return check(h.ops) as Result & Record<string, unknown>;
    };

    it("agree on every round of a store whose nodes answer alike (property)", () => {
      fc.assert(
        fc.property(rounds, (spec) => {
          const r = probed(spec);
          expect(r.agreedDuringRun).toBe(true);
          expect(r.probes).toMatchObject({ rounds: spec.length, judgedRounds: spec.length });
        }),
      );
    });

    it("name the round and key of an injected disagreement (property)", () => {
      fc.assert(
        fc.property(rounds, fc.nat(), (spec, pick) => {
          const odd = pick % spec.length;
          const r = probed(spec, odd);
          expect(r.agreedDuringRun).toBe(false);
          expect(r.probes).toMatchObject({ disagreeingRounds: 1 });
          expect(r.examples["probe-divergent"]).toEqual([
            expect.objectContaining({ key: spec[odd]!.key, round: odd + 1 }),
          ]);
        }),
      );
    });

    it("are absent from the result when the run had none", () => {
      const r = check(healed(history().write(0, "k", 1, [])).ops) as Result &
        Record<string, unknown>;
      expect(r.probes).toBeUndefined();
      expect(r.agreedDuringRun).toBeUndefined();
    });
  });

  const simulation = fc.record({
    seed: fc.integer(),
    opCount: fc.integer({ min: 1, max: 120 }),
    processCount: fc.integer({ min: 1, max: 5 }),
    keyCount: fc.integer({ min: 1, max: 4 }),
    nodeCount: fc.integer({ min: 1, max: 5 }),
    lagging: fc.boolean(),
    workload: fc.constantFrom("cart" as const, "register" as const),
  });

  it("passes every history of a correct store, agreeing in the round where the lag ends (property)", () => {
    fc.assert(
      fc.property(simulation, (o) => {
        const ops = simulateHistory({ ...o, nemesisEvery: 15 });
        const r = check(ops);
        expect(r.anomalies).toEqual([]);
        expect(r.valid).toBe(true);
        expect(r.convergenceMs).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 150 },
    );
  });

  it("names the key of a divergent replica (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = simulateHistory({ ...o, nodeCount: Math.max(2, o.nodeCount) });
        const lastRound = Math.max(
          ...ops.filter((op) => op.f === "final-read").map((op) => op.round as number),
        );
        const last = ops.filter(
          (op) => op.f === "final-read" && op.type === "ok" && op.round === lastRound,
        );
        const victim = last[pick % last.length]!;
        // The replica lost its state for the key, or gained a sibling beside it.
        const diverged =
          (victim.value as unknown[]).length > 0 ? [] : o.workload === "cart" ? [[]] : [0];
        const r = check(ops.map((op) => (op === victim ? { ...op, value: diverged } : op)));
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("divergent");
        expect(r.examples.divergent?.map((e) => e.key)).toContain(victim.key);
      }),
      { numRuns: 150 },
    );
  });
});
