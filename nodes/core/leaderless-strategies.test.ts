import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeContext } from "./context-codec.js";
import { lwwStrategy, type Stamped, siblingsStrategy } from "./leaderless-strategies.js";
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

describe("siblings contexts", () => {
  const anyone = () => true;
  const write = (context: string | undefined, known: (actor: string) => boolean) =>
    siblingsStrategy.write(undefined, context, "v", "n1.1.a", 0, known);

  it("vets the actors of a context it encoded itself on every write", () => {
    const made = write(undefined, anyone);
    if (made.kind !== "ok") throw new Error(made.kind);
    const context = siblingsStrategy.context(made.state);
    expect(write(context, anyone).kind).toBe("ok");
    expect(write(context, (actor) => actor !== "n1.1.a")).toEqual({
      kind: "bad-context",
      detail:
        'bad context: actor "n1.1.a" is no start of a node of this cluster (use the context of a read)',
    });
  });

  it("reads a context from elsewhere as one of its own", () => {
    const clock = { "n2.1.b": 3, "n3.1.c": 1 };
    const mine = write(undefined, anyone);
    if (mine.kind !== "ok") throw new Error(mine.kind);
    const written = write(encodeContext("dvv", clock), anyone);
    expect(written.kind === "ok" && siblingsStrategy.context(written.state)).toBe(
      encodeContext("dvv", { "n1.1.a": 1, ...clock }),
    );
    expect(write(encodeContext("dvv", { x: -1 }), anyone)).toEqual({
      kind: "bad-context",
      detail: 'bad context: version vector entry "x" must be a non-negative integer, got -1',
    });
  });
});
