import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stateFingerprint, textFingerprint } from "./state-fingerprint.js";

describe("stateFingerprint", () => {
  it("is the hash of the state's JSON text, asked once or again", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (state) => {
        const expected = textFingerprint(JSON.stringify(state));
        expect(stateFingerprint(state)).toBe(expected);
        expect(stateFingerprint(state)).toBe(expected);
        expect(stateFingerprint(structuredClone(state))).toBe(expected);
      }),
    );
  });
});
