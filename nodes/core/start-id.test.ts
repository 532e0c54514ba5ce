import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareStarts, parseStartId, startId } from "./start-id.js";

describe("start ids", () => {
  it("parse back to their parts, dotted node ids included", () => {
    const node = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);
    fc.assert(
      fc.property(node, fc.nat(10_000), fc.integer({ min: 0, max: 4e12 }), (id, n, ms) => {
        expect(parseStartId(startId(id, n, ms))).toEqual({ node: id, startCount: n, wallMs: ms });
      }),
    );
  });

  it("refuses what startId does not make", () => {
    for (const text of ["n1", "n1.2", "n1.x.abc", "n1.2.ABC", ".2.abc", "n1.2.", ""]) {
      expect(parseStartId(text), text).toBeUndefined();
    }
  });

  it("orders oldest start first, other ids before any start, totally", () => {
    const older = startId("n2", 9, 1000);
    const newer = startId("n1", 1, 2000);
    expect([newer, "plain", older].sort(compareStarts)).toEqual(["plain", older, newer]);
    expect(compareStarts(startId("n1", 1, 5), startId("n1", 2, 5))).toBeLessThan(0);
    expect(compareStarts(older, older)).toBe(0);
  });
});
