import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compare,
  concurrent,
  descends,
  merge,
  parseVersionVector,
  pruneVv,
  type VersionVector,
  vvFrom,
} from "./version-vector.js";

const vv: fc.Arbitrary<VersionVector> = fc
  .array(fc.tuple(fc.constantFrom("a", "b", "c", "d"), fc.nat(5)), { maxLength: 6 })
  .map((entries) => vvFrom(new Map(entries)));

describe("version vectors", () => {
  it("merge is commutative, associative, idempotent and the least upper bound", () => {
    fc.assert(
      fc.property(vv, vv, vv, (a, b, c) => {
        expect(merge(a, b)).toEqual(merge(b, a));
        expect(merge(merge(a, b), c)).toEqual(merge(a, merge(b, c)));
        expect(merge(a, a)).toEqual(a);
        const m = merge(a, b);
        expect(descends(m, a) && descends(m, b)).toBe(true);
        if (descends(c, a) && descends(c, b)) expect(descends(c, m)).toBe(true);
      }),
    );
  });

  it("compare agrees with descends and is antisymmetric", () => {
    fc.assert(
      fc.property(vv, vv, (a, b) => {
        const flip = { equal: "equal", before: "after", after: "before", concurrent: "concurrent" };
        expect(compare(b, a)).toBe(flip[compare(a, b)]);
        expect(concurrent(a, b)).toBe(!descends(a, b) && !descends(b, a));
        expect(compare(a, b) === "equal").toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
    );
  });

  it("treats missing entries as zero", () => {
    expect(compare({ a: 1 }, { a: 1, b: 0 })).toBe("equal");
    expect(compare({ a: 1 }, { b: 1 })).toBe("concurrent");
    expect(compare({ a: 2, b: 1 }, { a: 1 })).toBe("after");
  });

  it("parses only objects of non-negative integers", () => {
    expect(parseVersionVector({ b: 2, a: 0 })).toEqual({ b: 2 });
    expect(() => parseVersionVector([1])).toThrow(/object/);
    expect(() => parseVersionVector({ a: -1 })).toThrow(/"a"/);
    expect(() => parseVersionVector({ a: 1.5 })).toThrow(/"a"/);
    expect(() => parseVersionVector({ a: "1" })).toThrow(/"a"/);
  });

  it("pruneVv keeps at most the bound, dropping exactly the actors picked", () => {
    fc.assert(
      fc.property(vv, fc.nat(4), (v, max) => {
        const pruned = pruneVv(v, max, (actors, count) => new Set(actors.slice(-count)));
        const actors = Object.keys(v);
        expect(Object.keys(pruned)).toEqual(actors.slice(0, Math.min(actors.length, max)));
        expect(descends(v, pruned)).toBe(true);
      }),
    );
  });

  it("vvFrom gives what filtering, sorting and Object.fromEntries give, for any entries", () => {
    const actor = fc.constantFrom("a", "b", "c", "n1.1.x", "__proto__", "constructor", "1");
    const entry = fc.tuple(actor, fc.oneof(fc.nat(5), fc.constant(Number.NaN), fc.constant(-1)));
    const reference = (entries: [string, number][]) =>
      Object.fromEntries(
        entries.filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
        const made = vvFrom(entries);
        expect(Object.entries(made)).toEqual(Object.entries(reference(entries)));
        expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
        expect(vvFrom(new Map(entries))).toEqual(reference([...new Map(entries)]));
      }),
    );
    expect(Object.hasOwn(vvFrom([["__proto__", 2]]), "__proto__")).toBe(true);
  });
});
