import { describe, expect, it, vi } from "vitest";
import { finishedRun, suite, summaryOf } from "../suite/test-fixtures/results.js";
import { compareSummaries, comparisonText } from "./compare-summaries.js";

vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

const SUITE = suite(`name: nightly
seeds: [1, 2]
axes:
  build:
    - { name: lww, expect: { lost-writes: invalid } }
    - { name: siblings, expect: { R3: "yes" } }
    - { name: reject }
    - { name: later }
`);

type Shape = Parameters<typeof finishedRun>[1];
const night = (shapes: Record<string, Shape | undefined>, day: number) =>
  summaryOf(
    SUITE,
    (cell) => {
      const shape = shapes[cell.id];
      return shape === undefined ? undefined : cell.seeds.map((seed) => finishedRun(seed, shape));
    },
    new Date(Date.UTC(2026, 11, day, 2)),
  );

describe("compare", () => {
  const before = night(
    { lww: { lost: 4 }, siblings: {}, reject: { okPerSecond: 90 }, later: {} },
    3,
  );

  it("finds nothing between two nights alike, within the noise", () => {
    const same = night(
      { lww: { lost: 4 }, siblings: {}, reject: { okPerSecond: 80 }, later: {} },
      4,
    );
    const c = compareSummaries(before, same);
    expect(c).toMatchObject({ changes: [], regressions: 0 });
    expect(c.unchanged).toEqual(["lww", "siblings", "reject", "later"]);
  });

  it("calls a worse verdict, a worse requirement and a newly unmet expectation regressions", () => {
    const after = night(
      { lww: { lost: 4 }, siblings: { superseded: 3 }, reject: { lost: 2 }, later: {} },
      4,
    );
    const c = compareSummaries(before, after);
    const regressions = c.changes
      .filter((x) => x.kind === "regression")
      .map((x) => [x.cell, x.subject, x.before, x.after]);
    expect(regressions).toEqual([
      ["siblings", "R3", "yes", "eventual"],
      ["siblings", "expected R3 yes", "passed (yes)", "failed (eventual)"],
      ["reject", "lost-writes", "valid", "invalid"],
      ["reject", "R2", "yes", "no"],
      [
        "reject",
        "expected lost-writes valid",
        "passed (valid in all 2 seeds)",
        "failed (invalid in all 2 seeds)",
      ],
    ]);
    expect(c.regressions).toBe(5);
    const text = comparisonText(before, after, c);
    expect(text).toContain("REGRESSION  reject: lost-writes valid → invalid");
    expect(text).toContain("changed     reject: lost-writes.lost (worse) 0 → 2");
    expect(text.split("\n").at(-1)).toBe("5 regressions");
  });

  it("reports numbers beyond the threshold with their direction; regressions only when asked", () => {
    const slow = night(
      { lww: { lost: 4 }, siblings: {}, reject: { okPerSecond: 40 }, later: {} },
      4,
    );
    const c = compareSummaries(before, slow);
    expect(c.changes).toEqual([
      expect.objectContaining({
        cell: "reject",
        kind: "change",
        subject: "stats.okPerSecond (worse)",
        before: "90",
        after: "40",
      }),
    ]);
    expect(compareSummaries(before, slow, { numbersRegress: true }).regressions).toBe(1);
    expect(compareSummaries(before, slow, { threshold: 0.6 }).changes).toEqual([]);
    const fast = night(
      { lww: { lost: 4 }, siblings: {}, reject: { okPerSecond: 200 }, later: {} },
      4,
    );
    expect(compareSummaries(before, fast).changes[0]).toMatchObject({ kind: "improvement" });
  });

  it("leaves cells that did not run on one side uncompared, and names cells on one side only", () => {
    const after = night({ lww: { lost: 4 }, siblings: {}, reject: undefined, later: {} }, 4);
    const c = compareSummaries(before, after);
    expect(c.notRun).toEqual(["reject"]);
    expect(c.regressions).toBe(0);
    const renamed = {
      ...after,
      cells: after.cells.map((cell) => (cell.id === "later" ? { ...cell, id: "sooner" } : cell)),
    };
    expect(compareSummaries(before, renamed)).toMatchObject({
      onlyBefore: ["later"],
      onlyAfter: ["sooner"],
    });
  });
});
