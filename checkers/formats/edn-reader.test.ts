import { describe, expect, it } from "vitest";
import { type EdnValue, EdnSymbol, getKeyword, Keyword, readAllEdn } from "./edn-reader.js";

const one = (text: string) => readAllEdn(text, "t.edn")[0];

describe("EDN reader", () => {
  it("reads scalars", () => {
    expect(readAllEdn('nil true false 42 -7 +3 1.5 2e3 "a\\"b\\n"', "t")).toEqual([
      null,
      true,
      false,
      42,
      -7,
      3,
      1.5,
      2000,
      'a"b\n',
    ]);
    expect(one("12345678901234567890N")).toBe(12345678901234567890n);
    expect(one(":timed-out")).toEqual(new Keyword("timed-out"));
    expect(one("foo/bar")).toEqual(new EdnSymbol("foo/bar"));
    expect(one("\\a")).toBe("a");
  });

  it("reads vectors, lists, sets and maps with or without commas", () => {
    expect(one("[1 2 [3]]")).toEqual([1, 2, [3]]);
    expect(one("(1, 2)")).toEqual([1, 2]);
    expect(one("#{1 2}")).toEqual(new Set([1, 2]));
    const map = one("{:process 4, :type :invoke :value [0 1]}") as Map<EdnValue, EdnValue>;
    expect(getKeyword(map, "process")).toBe(4);
    expect(getKeyword(map, "type")).toEqual(new Keyword("invoke"));
    expect(getKeyword(map, "value")).toEqual([0, 1]);
  });

  it("skips comments and discards, drops tags", () => {
    expect(readAllEdn("; a comment\n[1 ; two\n #_ 2 3]", "t")).toEqual([[1, 3]]);
    expect(one('#inst "2020-01-01"')).toBe("2020-01-01");
  });

  it.each([
    ["[1 2", /t\.edn:1:5: unclosed collection, expected '\]'/],
    ["{:a}", /t\.edn:1:1: a map needs an even number of forms/],
    ["\n  ]", /t\.edn:2:3: unexpected '\]'/],
    ['"abc', /t\.edn:1:1: unclosed string/],
    ["12abc", /bad number '12abc'/],
    ["#?x", /unsupported dispatch/],
  ])("reports %j with the line and column", (text, message) => {
    expect(() => readAllEdn(text, "t.edn")).toThrow(message);
  });
});
