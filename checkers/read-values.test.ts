import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, valueFromId, valueId, writtenValue } from "./read-values.js";

describe("read values", () => {
  it("keeps primitives apart by type and compares structures by canonical JSON", () => {
    expect(valueId(1)).not.toBe(valueId("1"));
    expect(valueId([1, 2])).toBe(valueId([1, 2]));
    expect(valueId([1, 2])).not.toBe(valueId([2, 1]));
    expect(valueId({ a: 1, b: 2 })).toBe(valueId({ b: 2, a: 1 }));
    expect(valueId("[1,2]")).not.toBe(valueId([1, 2]));
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe(
      '{"a":null,"b":[1,{"c":2,"d":1}]}',
    );
  });

  it("turns an id back into its value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(valueId(valueFromId(valueId(v)))).toBe(valueId(v));
      }),
    );
  });

  it("reads the value a write puts in the store: a cas's is its TO", () => {
    expect(
      writtenValue({ index: 0, time: 0, process: 0, type: "ok", f: "cas", value: [1, 2] }),
    ).toBe(2);
    expect(writtenValue({ index: 0, time: 0, process: 0, type: "ok", f: "write", value: 3 })).toBe(
      3,
    );
    expect(() =>
      writtenValue({ index: 4, time: 0, process: 0, type: "ok", f: "cas", value: 3 }),
    ).toThrow("history op 4: cas value must be [FROM, TO], got 3");
  });
});
