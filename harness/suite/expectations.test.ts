import { describe, expect, it } from "vitest";
import { judgeChecker, judgeRequirement, verdictSpread, worstOutcome } from "./expectations.js";

describe("expectations", () => {
  it("judges a checker's verdicts over seeds", () => {
    const table = [
      ["valid", [true, true], "passed"],
      ["valid", [true, false], "failed"],
      ["valid", [true, "unknown"], "unknown"],
      ["invalid", [false, false], "passed"],
      ["invalid", [false, true], "failed"],
      ["invalid", [false, "unknown"], "unknown"],
      ["unknown", ["unknown"], "passed"],
      ["unknown", [true], "failed"],
      ["invalid-in-any-seed", [true, false, true], "passed"],
      ["invalid-in-any-seed", [true, true], "failed"],
      ["invalid-in-any-seed", [true, "unknown"], "unknown"],
      ["not-invalid", [true, "unknown"], "passed"],
      ["not-invalid", [true, false], "failed"],
      ["any", [false], "passed"],
      ["valid", [], "unknown"],
    ] as const;
    for (const [expected, verdicts, outcome] of table) {
      expect(judgeChecker(expected, verdicts).outcome, `${expected} ${verdicts}`).toBe(outcome);
    }
  });

  it("says how the verdicts spread over the seeds", () => {
    expect(verdictSpread([false])).toBe("invalid");
    expect(verdictSpread([true, true, true])).toBe("valid in all 3 seeds");
    expect(verdictSpread([false, true, false, false, false])).toBe(
      "invalid in 4 of 5 seeds, valid in 1",
    );
  });

  it("judges a requirement by its worst value over the seeds", () => {
    expect(judgeRequirement("eventual", ["yes", "eventual"])).toMatchObject({
      outcome: "passed",
      value: "eventual",
      measured: "eventual (seeds: yes, eventual)",
    });
    expect(judgeRequirement("yes", ["yes", "eventual"]).outcome).toBe("failed");
    // Better than expected differs too: the seed's table is what it is.
    expect(judgeRequirement("eventual", ["yes"]).outcome).toBe("failed");
    // An unknown seed might have shown the (worse) expected value: inconclusive.
    expect(judgeRequirement("eventual", ["yes", "unknown"]).outcome).toBe("unknown");
    expect(judgeRequirement("yes", ["unknown"]).outcome).toBe("unknown");
    expect(judgeRequirement("any", ["no"]).outcome).toBe("passed");
  });

  it("ranks outcomes failed > error > unknown > skipped > passed", () => {
    expect(worstOutcome(["passed", "unknown", "skipped"])).toBe("unknown");
    expect(worstOutcome(["error", "failed"])).toBe("failed");
    expect(worstOutcome([])).toBe("passed");
  });
});
