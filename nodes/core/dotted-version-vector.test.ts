import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DvvSet,
  emptyDvvSet,
  join,
  parseDvvSet,
  prune,
  siblings,
  sync,
  update,
  values,
} from "./dotted-version-vector.js";
import type { Json } from "./replica.js";
import { descends, type VersionVector, vvGet } from "./version-vector.js";

const ACTORS = ["a", "b", "c"];

type Step =
  | { kind: "write"; at: number; context: number }
  | { kind: "sync"; from: number; to: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("write" as const), at: fc.nat(2), context: fc.nat(40) }),
  fc.record({ kind: fc.constant("sync" as const), from: fc.nat(2), to: fc.nat(2) }),
);

/**
 * Runs a history on three replicas: writes with the context of an earlier read (of any replica,
 * or none) and one-way syncs. Every value is unique, so a value names its write. Returns every
 * state that ever existed: any two come from one consistent universe.
 */
function play(steps: Step[]): { states: DvvSet[]; replicas: DvvSet[] } {
  const replicas: DvvSet[] = ACTORS.map(() => emptyDvvSet);
  const contexts: VersionVector[] = [{}];
  const states: DvvSet[] = [emptyDvvSet];
  let next = 0;
  for (const s of steps) {
    if (s.kind === "write") {
      const context = contexts[s.context % contexts.length]!;
      replicas[s.at] = update(replicas[s.at]!, context, ACTORS[s.at]!, next++);
    } else {
      replicas[s.to] = sync(replicas[s.to]!, replicas[s.from]!);
    }
    const changed = replicas[s.kind === "write" ? s.at : s.to]!;
    states.push(changed);
    contexts.push(join(changed));
  }
  return { states, replicas };
}

const universe = fc.array(step, { maxLength: 30 }).map(play);
const three = universe.chain(({ states }) =>
  fc.tuple(fc.constantFrom(...states), fc.constantFrom(...states), fc.constantFrom(...states)),
);

const dots = (set: DvvSet) => siblings(set).map((s) => `${s.dot.actor}${s.dot.counter}=${s.value}`);

describe("DVVSet", () => {
  it("sync is commutative, associative and idempotent", () => {
    fc.assert(
      fc.property(three, ([a, b, c]) => {
        expect(sync(a, b)).toEqual(sync(b, a));
        expect(sync(sync(a, b), c)).toEqual(sync(a, sync(b, c)));
        expect(sync(a, a)).toEqual(a);
      }),
    );
  });

  it("never gives one dot to two values (an actor never reuses a counter)", () => {
    fc.assert(
      fc.property(universe, ({ states }) => {
        const byDot = new Map<string, Json>();
        for (const s of siblings(states.flat())) {
          const key = `${s.dot.actor}:${s.dot.counter}`;
          expect(byDot.get(key) ?? s.value).toBe(s.value);
          byDot.set(key, s.value);
        }
      }),
    );
  });

  it("sync keeps a sibling unless the other side's clock covers its dot", () => {
    fc.assert(
      fc.property(three, ([a, b]) => {
        const merged = dots(sync(a, b));
        const inB = new Set(dots(b));
        for (const s of siblings(a)) {
          const kept =
            inB.has(`${s.dot.actor}${s.dot.counter}=${s.value}`) ||
            vvGet(join(b), s.dot.actor) < s.dot.counter;
          expect(merged.includes(`${s.dot.actor}${s.dot.counter}=${s.value}`)).toBe(kept);
        }
        expect(join(sync(a, b))).toEqual(join(sync(b, a)));
      }),
    );
  });

  it("keeps both of two concurrent writes, wherever they were made", () => {
    fc.assert(
      fc.property(three, fc.nat(2), fc.nat(2), ([base], i, j) => {
        const ctx = join(base);
        const x = update(base, ctx, ACTORS[i]!, "x");
        const y = update(base, ctx, ACTORS[j]!, "y");
        // The same actor writing twice with one context is two writes at one replica.
        const merged = i === j ? update(x, ctx, ACTORS[j]!, "y") : sync(x, y);
        expect(values(merged).sort()).toEqual(["x", "y"]);
      }),
    );
  });

  it("a write removes exactly the siblings its context covers, everywhere after sync", () => {
    fc.assert(
      fc.property(three, fc.nat(2), ([state, context, other], at) => {
        const ctx = join(context);
        const written = update(state, ctx, ACTORS[at]!, "new");
        const expected = siblings(state)
          .filter((s) => vvGet(ctx, s.dot.actor) < s.dot.counter)
          .map((s) => s.value);
        expect(
          values(written)
            .filter((v) => v !== "new")
            .sort(),
        ).toEqual(expected.sort());
        expect(values(written)).toContain("new");
        expect(descends(join(written), ctx)).toBe(true);
        // A replica that still holds a removed sibling drops it when it syncs.
        const covered = (x: { dot: { actor: string; counter: number } }) =>
          vvGet(ctx, x.dot.actor) >= x.dot.counter;
        expect(siblings(sync(other, written)).filter(covered)).toEqual([]);
      }),
    );
  });

  it("two clients writing with stale contexts never make more than two siblings", () => {
    // Riak's sibling explosion: each client writes with the context its own last write returned,
    // never seeing the other's writes. Writes land on any replica; replicas sync at random.
    const action = fc.oneof(
      fc.record({ client: fc.nat(1), at: fc.nat(2) }),
      fc.record({ from: fc.nat(2), to: fc.nat(2) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        const replicas: DvvSet[] = ACTORS.map(() => emptyDvvSet);
        const held: VersionVector[] = [{}, {}];
        let next = 0;
        for (const a of actions) {
          if ("client" in a) {
            replicas[a.at] = update(replicas[a.at]!, held[a.client]!, ACTORS[a.at]!, next++);
            held[a.client] = join(replicas[a.at]!);
          } else {
            replicas[a.to] = sync(replicas[a.to]!, replicas[a.from]!);
          }
          for (const r of replicas) expect(values(r).length).toBeLessThanOrEqual(2);
        }
      }),
    );
  });

  it("replicas that exchanged everything agree", () => {
    fc.assert(
      fc.property(universe, ({ replicas }) => {
        const all = replicas.reduce(sync);
        for (const r of replicas) expect(sync(r, all)).toEqual(all);
      }),
    );
  });

  it("prune drops only value-less entries, the ones picked, down to the bound", () => {
    fc.assert(
      fc.property(universe, fc.nat(4), ({ states }, max) => {
        for (const state of states) {
          const pruned = prune(state, max, (actors, count) => new Set(actors.slice(0, count)));
          expect(values(pruned)).toEqual(values(state));
          const valued = state.filter(([, , vs]) => vs.length > 0).length;
          expect(pruned.length).toBe(Math.max(Math.min(state.length, max), valued));
          expect(parseDvvSet(pruned)).toEqual(pruned);
        }
      }),
    );
  });

  it("parses only well-formed sets", () => {
    expect(parseDvvSet([["a", 2, [1]]])).toEqual([["a", 2, [1]]]);
    expect(() => parseDvvSet({})).toThrow(/array/);
    expect(() => parseDvvSet([["a", 1, [1, 2]]])).toThrow(/entry/);
    expect(() =>
      parseDvvSet([
        ["b", 1, []],
        ["a", 1, []],
      ]),
    ).toThrow(/entry/);
  });

  it("values are the siblings' values, in the siblings' order", () => {
    fc.assert(
      fc.property(universe, ({ states }) => {
        for (const state of states)
          expect(values(state)).toEqual(siblings(state).map((s) => s.value));
      }),
    );
  });

  it("sync gives `a` itself when `b` adds nothing, and the same state as on copies", () => {
    fc.assert(
      fc.property(three, ([a, b]) => {
        const merged = sync(a, b);
        const copied = sync(structuredClone(a), structuredClone(b));
        expect(merged).toEqual(copied);
        if (JSON.stringify(merged) === JSON.stringify(a)) expect(merged).toBe(a);
        expect(sync(a, a)).toBe(a);
        expect(sync(a, emptyDvvSet)).toBe(a);
      }),
    );
  });

  it("an update keeps the entries in actor order, whatever actors its context adds", () => {
    const set = update(update(emptyDvvSet, {}, "b", 1), {}, "d", 2);
    const actors = (s: DvvSet) => s.map(([actor]) => actor);
    expect(actors(update(set, { a: 1, c: 2, e: 1 }, "b", 3))).toEqual(["a", "b", "c", "d", "e"]);
    expect(actors(update(set, { b: 1 }, "c", 3))).toEqual(["b", "c", "d"]);
    expect(actors(update(set, join(set), "a", 3))).toEqual(["a", "b", "d"]);
  });
});
