// jsonEqual answers what comparing the two JSON texts would (fast-check over any JSON values,
// pairs built to be equal, near-equal and reordered), and jsonDepth counts as a plain walk does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepth, VALUE_DEPTH_MAX } from "./api-limits.js";
import { jsonEqual } from "./json-equal.js";

const sameText = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

describe("jsonEqual", () => {
  it("agrees with comparing JSON texts on any two values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(jsonEqual(a, b)).toBe(sameText(a, b));
      }),
    );
  });

  it("agrees with comparing JSON texts on a value and a copy of it changed in one place", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.nat(), (a, leaf, pick) => {
        const copy = JSON.parse(JSON.stringify(a));
        expect(jsonEqual(a, copy)).toBe(true);
        // Replace one leaf (the pick-th scalar in walk order) and compare again.
        let n = 0;
        const replaced = JSON.parse(JSON.stringify(a), (_k, v) =>
          typeof v !== "object" || v === null ? (n++ === pick % 8 ? leaf : v) : v,
        );
        expect(jsonEqual(a, replaced)).toBe(sameText(a, replaced));
      }),
    );
  });

  it("tells key order apart as the texts do, and leaves undefined members out", () => {
    expect(jsonEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([1, [2, 3]], [1, [2, 3]])).toBe(true);
    expect(jsonEqual([1, [2, 3]], [1, [2, 4]])).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual(undefined, {})).toBe(false);
  });
});

/** The depth by the definition: a scalar 0, a container one more than its deepest member. */
function plainDepth(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  const members = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...members.map(plainDepth));
}

describe("jsonDepth", () => {
  it("counts as the definition does on any value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonDepth(v)).toBe(plainDepth(v));
      }),
    );
  });

  it("stops past the limit on a value nested a million deep (no stack overflow)", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(jsonDepth(deep)).toBe(VALUE_DEPTH_MAX + 1);
  });
});
