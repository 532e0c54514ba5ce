import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Op } from "./history.js";
import { history } from "./history-builder.js";
import { lostUpdatesChecker } from "./lost-updates-checker.js";
import { simulateHistory } from "./simulated-history.js";

interface Result {
  valid: true | false | "unknown";
  anomalies: string[];
  counts: Record<string, number>;
  examples: Record<string, { key: string; value?: unknown; values?: unknown[]; ops: number[] }[]>;
  counterexamples: number[];
}
const check = (ops: Op[]) => lostUpdatesChecker.check(ops, {}) as unknown as Result;
const finals = (h: ReturnType<typeof history>, key: string, siblings: unknown[]) =>
  h.finalRead(8, key, "n1", 1, siblings).finalRead(9, key, "n2", 1, siblings);

describe("lost-updates checker", () => {
  it("passes a chain of writes, each based on the one before", () => {
    const h = history().write(0, "k", 1, []).write(0, "k", 2, [1]).write(1, "k", 3, [2]);
    const r = check(finals(h, "k", [3]).ops);
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ acknowledged: 3, reflected: 3, "lost-update": 0 });
  });

  it("reports two acknowledged writes based on the same version as a lost update", () => {
    const h = history().write(0, "k", 1, []).write(0, "k", 2, [1]).write(1, "k", 3, [1]);
    const r = check(finals(h, "k", [3]).ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toContain("lost-update");
    expect(r.examples["lost-update"]?.[0]).toMatchObject({ key: "k", values: [2, 3], ops: [3, 5] });
  });

  it("counts two blind writes to an absent key, and compares bases as sets", () => {
    const blind = check(finals(history().write(0, "k", 1, []).write(1, "k", 2, []), "k", [2]).ops);
    expect(blind.anomalies).toContain("lost-update");
    const h = history()
      .write(0, "k", 1, [])
      .write(1, "k", 2, [], "info")
      .write(0, "k", 3, [1, 2])
      .write(1, "k", 4, [2, 1]);
    expect(check(finals(h, "k", [4]).ops).counts["lost-update"]).toBe(1);
  });

  it("does not count failed or info writes, or writes to other keys, as lost updates", () => {
    const h = history()
      .write(0, "k", 1, [])
      .write(1, "k", 2, [], "fail")
      .write(2, "k", 3, [], "info")
      .write(3, "j", 4, []);
    const r = check(finals(finals(h, "k", [1]), "j", [4]).ops);
    expect(r.valid).toBe(true);
  });

  it("reports an acknowledged write that no final state reflects", () => {
    const h = history().write(0, "k", 1, []).write(0, "k", 2, [1]);
    const r = check(finals(h, "k", [1]).ops);
    expect(r.valid).toBe(false);
    expect(r.anomalies).toEqual(["unreflected"]);
    expect(r.examples.unreflected?.[0]).toMatchObject({ key: "k", value: 2, ops: [3, 5] });
  });

  it("follows bases transitively, through info writes and cas", () => {
    const h = history().write(0, "k", 1, []).write(0, "k", 2, [1], "info");
    h.invoke(1, "cas", { key: "k", value: [2, 3], basis: [2] }).info(1);
    const r = check(finals(h, "k", [3]).ops);
    expect(r.valid).toBe(true);
    expect(r.counts.reflected).toBe(1);
  });

  it("is unknown without final reads of a written key, or without acknowledged writes", () => {
    expect(check(history().write(0, "k", 1, []).ops).valid).toBe("unknown");
    expect(check(finals(history().write(0, "k", 1, [], "fail"), "k", []).ops).valid).toBe(
      "unknown",
    );
  });

  const simulation = fc.record({
    seed: fc.integer(),
    opCount: fc.integer({ min: 1, max: 150 }),
    processCount: fc.integer({ min: 1, max: 6 }),
    keyCount: fc.integer({ min: 1, max: 3 }),
    lagging: fc.boolean(),
  });
  const reject = (o: { seed: number; opCount: number }) =>
    simulateHistory({ ...o, workload: "register", strategy: "reject", nemesisEvery: 25 });

  it("passes every history of a correct reject store (property)", () => {
    fc.assert(
      fc.property(simulation, (o) => {
        const r = check(reject(o));
        expect(r.anomalies).toEqual([]);
        expect(r.valid).not.toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it("names a lost update when a stale write that was rejected is acknowledged instead (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = reject(o);
        const version = (op: Op) => `${op.key} ${JSON.stringify([...(op.basis ?? [])].sort())}`;
        const okVersions = new Set(
          ops.filter((op) => op.type === "ok" && op.f === "write").map(version),
        );
        const stale = ops.filter(
          (op) => op.type === "fail" && op.error === "stale-context" && okVersions.has(version(op)),
        );
        fc.pre(stale.length > 0);
        const victim = stale[pick % stale.length]!;
        const r = check(
          ops.map((op) => (op === victim ? { ...op, type: "ok" as const, error: undefined } : op)),
        );
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("lost-update");
        expect(r.counterexamples).toContain(victim.index);
      }),
      { numRuns: 150 },
    );
  });

  it("names the last write of a key as unreflected when the final state lost it (property)", () => {
    fc.assert(
      fc.property(simulation, fc.nat(), (o, pick) => {
        const ops = reject(o);
        const writes = new Map(
          ops
            .filter(
              (op) =>
                (op.f === "write" || op.f === "cas") && op.type !== "invoke" && op.type !== "fail",
            )
            .map((op) => [op.f === "cas" ? (op.value as unknown[])[1] : op.value, op]),
        );
        const lastFinals = ops.filter((op) => op.f === "final-read" && op.type === "ok");
        const lastRound = Math.max(...lastFinals.map((op) => op.round as number));
        const tops = lastFinals.filter(
          (op) =>
            op.round === lastRound &&
            (op.value as unknown[]).some((v) => writes.get(v)?.type === "ok"),
        );
        fc.pre(tops.length > 0);
        const key = tops[pick % tops.length]!.key;
        const top = (tops[pick % tops.length]!.value as unknown[]).find(
          (v) => writes.get(v)?.type === "ok",
        );
        const before = writes.get(top)!.basis ?? [];
        const r = check(
          ops.map((op) =>
            op.f === "final-read" && op.key === key && op.type === "ok"
              ? { ...op, value: before }
              : op,
          ),
        );
        expect(r.valid).toBe(false);
        expect(r.anomalies).toContain("unreflected");
        expect(r.examples.unreflected?.map((e) => e.value)).toContain(top);
      }),
      { numRuns: 150 },
    );
  });
});
