// What a suite cell expects and whether its runs (one per seed) met it. A checker's expectation:
//   valid | invalid | unknown   every seed's verdict is that;
//   invalid-in-any-seed         at least one seed's verdict is invalid (an anomaly that shows
//                               only sometimes, e.g. lost writes found in 4 of 5 seeds);
//   not-invalid                 no seed's verdict is invalid (valid or unknown);
//   any                         recorded, never judged.
// A requirement's (R1–R3): yes | eventual | no | unknown — the worst value over the seeds
// (yes < eventual < no) — or any. Met → passed; contradicted → failed; a verdict or value that
// leaves it open (an unknown seed where valid was expected) → unknown. Pure.
import type { Validity } from "../../checkers/checker.js";
import { REQUIREMENT_VALUES, type RequirementValue, worstValue } from "./requirements.js";

export const CHECKER_EXPECTATIONS = [
  "valid",
  "invalid",
  "unknown",
  "invalid-in-any-seed",
  "not-invalid",
  "any",
] as const;
export type CheckerExpectation = (typeof CHECKER_EXPECTATIONS)[number];

export const REQUIREMENT_EXPECTATIONS = [...REQUIREMENT_VALUES, "any"] as const;
export type RequirementExpectation = (typeof REQUIREMENT_EXPECTATIONS)[number];

/** A cell's outcome, or one expectation's; `skipped`: not run (time budget, Ctrl-C). */
export type Outcome = "passed" | "failed" | "unknown" | "error" | "skipped";

/** Worst first: what decides a cell's outcome and the suite's exit code. */
export const OUTCOME_ORDER: readonly Outcome[] = [
  "failed",
  "error",
  "unknown",
  "skipped",
  "passed",
];

export function worstOutcome(outcomes: readonly Outcome[]): Outcome {
  let worst: Outcome = "passed";
  for (const outcome of outcomes) {
    if (OUTCOME_ORDER.indexOf(outcome) < OUTCOME_ORDER.indexOf(worst)) worst = outcome;
  }
  return worst;
}

export interface Judgement {
  outcome: Outcome;
  /** What the runs showed, e.g. "invalid in 4 of 5 seeds" or "eventual". */
  measured: string;
}

const WORD: Record<string, string> = { true: "valid", false: "invalid", unknown: "unknown" };

/** "invalid", "invalid in all 3 seeds", "invalid in 2 of 3 seeds, valid in 1". */
export function verdictSpread(verdicts: readonly Validity[]): string {
  const counts = new Map<string, number>();
  for (const v of verdicts) counts.set(WORD[String(v)]!, (counts.get(WORD[String(v)]!) ?? 0) + 1);
  const n = verdicts.length;
  if (counts.size === 1) {
    const [word] = counts.keys();
    return n === 1 ? word! : `${word} in all ${n} seeds`;
  }
  const parts = ["invalid", "unknown", "valid"]
    .filter((word) => counts.has(word))
    .map((word, i) =>
      i === 0 ? `${word} in ${counts.get(word)} of ${n} seeds` : `${word} in ${counts.get(word)}`,
    );
  return parts.join(", ");
}

export function judgeChecker(
  expected: CheckerExpectation,
  verdicts: readonly Validity[],
): Judgement {
  const measured = verdicts.length === 0 ? "not run" : verdictSpread(verdicts);
  const invalid = verdicts.filter((v) => v === false).length;
  const valid = verdicts.filter((v) => v === true).length;
  const open = verdicts.length - invalid - valid;
  const outcome = ((): Outcome => {
    if (verdicts.length === 0) return "unknown";
    switch (expected) {
      case "any":
        return "passed";
      case "valid":
        return invalid > 0 ? "failed" : open > 0 ? "unknown" : "passed";
      case "invalid":
        return valid > 0 ? "failed" : open > 0 ? "unknown" : "passed";
      case "unknown":
        return open === verdicts.length ? "passed" : "failed";
      case "invalid-in-any-seed":
        return invalid > 0 ? "passed" : open > 0 ? "unknown" : "failed";
      case "not-invalid":
        return invalid > 0 ? "failed" : "passed";
    }
  })();
  return { outcome, measured };
}

export function judgeRequirement(
  expected: RequirementExpectation,
  values: readonly RequirementValue[],
): Judgement & { value: RequirementValue } {
  const worst = worstValue(values);
  const spread = new Set(values);
  const measured =
    values.length === 0
      ? "not run"
      : spread.size > 1
        ? `${worst} (seeds: ${values.join(", ")})`
        : worst;
  const judged = (outcome: Outcome) => ({ outcome, measured, value: worst });
  if (values.length === 0) return judged("unknown");
  if (expected === "any" || worst === expected) return judged("passed");
  if (worst === "unknown") return judged(expected === "unknown" ? "passed" : "unknown");
  // An unknown seed could still have shown the expected (worse) value.
  const rank = { yes: 0, eventual: 1, no: 2, unknown: -1 } as const;
  const couldBe = spread.has("unknown") && expected !== "unknown" && rank[expected] > rank[worst];
  return judged(couldBe ? "unknown" : "failed");
}
