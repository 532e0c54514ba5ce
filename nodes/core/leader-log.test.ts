// The leader build's log against a naive model (a plain array of entries): after any sequence of
// appends, offers and truncations, every key's tip and committed state, the key set and the log
// itself are what the model recomputes from scratch; and `offer` is Raft's AppendEntries check.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LeaderLog, type LogEntry } from "./leader-log.js";
import type { LeaderKey } from "./leader-strategies.js";

const stamps = ["1.n1.1.a", "2.n2.1.b", "3.n1.2.c"];

function entry(stampAt: number, key: string | null, index: number): LogEntry {
  const stamp = stamps[stampAt]!;
  const state: LeaderKey | null =
    key === null ? null : { v: [stamp, index], vals: [[stamp, index, index]] };
  return { term: Number(stamp.split(".")[0]), stamp, key, state };
}

type Op =
  | { kind: "put"; at: number; stamp: number; key: string | null }
  | { kind: "truncate"; from: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("put" as const),
      at: fc.nat(12),
      stamp: fc.nat(2),
      key: fc.constantFrom("a", "b", null),
    }),
  },
  fc.record({ kind: fc.constant("truncate" as const), from: fc.integer({ min: 1, max: 12 }) }),
);

describe("LeaderLog", () => {
  it("keeps every key's states exactly as a naive model recomputes them", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.nat(12), (ops, upTo) => {
        const log = new LeaderLog();
        const model: LogEntry[] = [];
        for (const o of ops) {
          if (o.kind === "truncate") {
            const removed = log.truncateFrom(o.from);
            expect(removed.map((r) => r.entry)).toEqual(model.splice(o.from - 1));
          } else {
            const index = Math.min(o.at, model.length) + 1;
            const e = entry(o.stamp, o.key, index);
            log.put(index, e);
            model.splice(index - 1, model.length, e);
          }
        }
        const last = (key: string, n: number) =>
          [...model.slice(0, n)].reverse().find((e) => e.key === key)?.state ?? undefined;
        expect(log.lastIndex).toBe(model.length);
        expect(log.slice(1, 100)).toEqual(model);
        expect(log.keys()).toEqual(
          [...new Set(model.flatMap((e) => (e.key === null ? [] : [e.key])))].sort(),
        );
        for (const key of ["a", "b"]) {
          expect(log.tip(key)).toEqual(last(key, model.length));
          expect(log.stateAt(key, upTo)).toEqual(last(key, upTo));
        }
      }),
    );
  });

  it("offer: refuses a missing or conflicting prefix, skips what it holds, truncates only on conflict", () => {
    const log = new LeaderLog();
    const [e1, e2, e3] = [entry(0, "a", 1), entry(0, "b", 2), entry(0, "a", 3)];
    expect(log.offer(1, e1.stamp, [e2])).toEqual({ ok: false, next: 1 });
    expect(log.offer(0, null, [e1, e2, e3])).toMatchObject({ ok: true, match: 3 });
    // A reordered, older append: matches, holds nothing new, truncates nothing.
    expect(log.offer(0, null, [e1])).toEqual({ ok: true, match: 1, appended: [], discarded: [] });
    expect(log.lastIndex).toBe(3);
    // A new leader's entry at index 2 conflicts: 2 and 3 are discarded.
    const other = entry(1, null, 2);
    const offer = log.offer(1, e1.stamp, [other]);
    expect(offer).toMatchObject({ ok: true, match: 2, appended: [{ index: 2, entry: other }] });
    expect(offer.ok && offer.discarded.map((d) => d.index)).toEqual([2, 3]);
    expect(log.tip("a")).toEqual(e1.state);
    expect(log.tip("b")).toBeUndefined();
    // A prefix whose stamp differs: resume at the start of that stamp's run.
    expect(log.offer(2, stamps[2]!, [])).toEqual({ ok: false, next: 2 });
  });

  it("isUpToDate: a higher last term wins, then a longer log", () => {
    const log = new LeaderLog();
    log.append(entry(1, "a", 1));
    log.append(entry(1, "a", 2));
    expect(log.isUpToDate(3, 1)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(true);
    expect(log.isUpToDate(2, 1)).toBe(false);
    expect(log.isUpToDate(1, 5)).toBe(false);
  });
});
