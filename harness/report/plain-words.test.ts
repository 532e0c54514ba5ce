import { describe, expect, it } from "vitest";
import { counted, plainWords, spelledOut } from "./plain-words.js";

describe("plainWords", () => {
  it("has a phrase for the checkers' fields a person reads most", () => {
    expect(plainWords("stableLatencyMs")).toBe("time until an item is stable (ms)");
    expect(plainWords("agreedRound")).toBe("final read round the nodes agreed in");
  });

  it("spells out any other field, its unit in brackets", () => {
    expect(spelledOut("latencyMs")).toBe("latency (ms)");
    expect(spelledOut("someNewThing")).toBe("some new thing");
    expect(spelledOut("false-sibling")).toBe("false sibling");
    expect(spelledOut("Ms")).toBe("ms");
  });

  it("counts in words: 1 op, 2 ops", () => {
    expect(counted(1, "op")).toBe("1 op");
    expect(counted(1200, "op")).toBe("1,200 ops");
    expect(counted(2, "op was", "ops were")).toBe("2 ops were");
  });
});
