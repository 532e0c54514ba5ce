import { describe, expect, it } from "vitest";
import { keyNumbers, summaryTable, verdictWord } from "./run-summary.js";

describe("the run summary", () => {
  it("names verdicts", () => {
    expect([true, false, "unknown"].map((v) => verdictWord(v as true))).toEqual([
      "valid",
      "INVALID",
      "unknown",
    ]);
  });

  it("shows a result's numbers, non-zero first, and its anomalies", () => {
    const result = {
      valid: false as const,
      anomalies: ["lost"],
      counts: { stable: 40, lost: 3, stale: 0 },
      rounds: 2,
      examples: {},
    };
    expect(keyNumbers(result)).toBe("anomalies: lost; stable 40, lost 3, rounds 2, stale 0");
  });

  it("shows a crashed checker's error", () => {
    expect(keyNumbers({ valid: "unknown", error: "boom" })).toBe("error: boom");
  });

  it("tabulates every checker and the overall verdict", () => {
    const table = summaryTable(false, {
      "lost-writes": { valid: false, counts: { lost: 2 } },
      convergence: { valid: true },
    });
    expect(table.split("\n")).toEqual([
      "checker      verdict  key numbers",
      "lost-writes  INVALID  lost 2",
      "convergence  valid    ",
      "overall      INVALID",
    ]);
  });
});
