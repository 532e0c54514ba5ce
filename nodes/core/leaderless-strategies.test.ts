import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lwwStrategy, type Stamped } from "./leaderless-strategies.js";
import type { Json } from "./replica.js";

/** The order LWW merges by, written out in full: time, writer, then the value's JSON text. */
function laterByText(a: Stamped, b: Stamped): Stamped {
  if (a[0] !== b[0]) return a[0] > b[0] ? a : b;
  if (a[1] !== b[1]) return a[1] > b[1] ? a : b;
  return JSON.stringify(a[2]) >= JSON.stringify(b[2]) ? a : b;
}

const value = fc.jsonValue() as fc.Arbitrary<Json>;
const stamped: fc.Arbitrary<Stamped> = fc.tuple(fc.nat(3), fc.constantFrom("n1", "n2"), value);

describe("lww merge", () => {
  it("picks what the full order picks, the very object, alike stamps included", () => {
    fc.assert(
      fc.property(stamped, stamped, (a, b) => {
        expect(lwwStrategy.merge(a, b)).toBe(laterByText(a, b));
      }),
    );
  });

  it("keeps the first of two stamps alike in every way, a copy or the same write", () => {
    fc.assert(
      fc.property(stamped, (a) => {
        const copy = JSON.parse(JSON.stringify(a)) as Stamped;
        expect(lwwStrategy.merge(a, copy)).toBe(a);
        expect(lwwStrategy.merge(copy, a)).toBe(copy);
        expect(lwwStrategy.merge(a, a)).toBe(a);
      }),
    );
  });
});
