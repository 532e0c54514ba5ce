import { describe, expect, it, vi } from "vitest";
import { requirementRows, requirementTableText } from "./requirement-table.js";
import { suiteIndexPage } from "./suite-index.js";
import { runMetrics, runReport } from "./suite-summary.js";
import { summaryMarkdown } from "./summary-markdown.js";
import { finishedRun, results, suite, summaryOf } from "./test-fixtures/results.js";

vi.mock("../runtime/runtimes.js", () => ({ runtimes: { local: {}, docker: {} } }));

const FLAKY = suite(`name: nightly
seeds: [1, 2, 3, 4, 5]
axes:
  build:
    - name: lww
      label: leaderless lww
      expect: { lost-writes: invalid-in-any-seed, R2: "no" }
    - name: siblings
      expect: { R1: eventual, R3: "yes" }
      seedTable: { R3: eventual }
      note: quorum reads
    - name: later
`);

const nightly = () =>
  summaryOf(FLAKY, (cell) =>
    cell.id === "later"
      ? undefined
      : cell.seeds.map((seed) =>
          cell.id === "lww"
            ? finishedRun(seed, { lost: seed === 3 ? 0 : 4 })
            : finishedRun(seed, { disagreeing: 2, superseded: seed === 5 ? 1 : 0 }),
        ),
  );

describe("suite summaries", () => {
  it("judge each cell's expectations over its seeds and report how often anomalies showed", () => {
    const summary = nightly();
    const [lww, siblings, later] = summary.cells;
    expect(lww).toMatchObject({
      outcome: "passed",
      flakiness: ["lost writes found in 4 of 5 seeds"],
    });
    expect(lww!.expectations.find((e) => e.subject === "lost-writes")).toMatchObject({
      expected: "invalid-in-any-seed",
      measured: "invalid in 4 of 5 seeds, valid in 1",
      outcome: "passed",
    });
    // R3 was expected yes; seed 5 read a superseded value: eventual.
    expect(siblings).toMatchObject({ outcome: "failed", notes: ["quorum reads"] });
    const r3 = siblings!.expectations.find((e) => e.subject === "R3")!;
    expect(r3).toMatchObject({
      outcome: "failed",
      measured: "eventual (seeds: yes, yes, yes, yes, eventual)",
    });
    expect(r3.message).toContain("seed 5: eventual: 1 of 50 reads returned superseded values");
    expect(later).toMatchObject({ outcome: "skipped", runs: [] });
    expect(later!.expectations.map((e) => [e.subject, e.outcome])).toEqual([
      ["lost-writes", "skipped"],
    ]);
  });

  it("count the cells and answer the exit code: 1 when any failed, else 2 when any was skipped", () => {
    const summary = nightly();
    expect(summary).toMatchObject({
      suite: "nightly",
      outcome: "failed",
      exitCode: 1,
      counts: { cells: 3, runs: 10, passed: 1, failed: 1, skipped: 1, unknown: 0, error: 0 },
    });
    const skippedOnly = summaryOf(FLAKY, (cell) =>
      cell.id === "later"
        ? undefined
        : cell.seeds.map((s) =>
            finishedRun(s, cell.id === "lww" ? { lost: 1 } : { disagreeing: 1 }),
          ),
    );
    expect(skippedOnly).toMatchObject({ outcome: "skipped", exitCode: 2 });
    const crash = { seed: 1, startedAt: new Date(), durationMs: 5, error: "internal error: boom" };
    const crashed = summaryOf(FLAKY, () => [runReport(crash)]);
    expect(crashed.exitCode).toBe(255);
  });

  it("measure the numbers trends plot", () => {
    expect(runMetrics(results({ lost: 3 }))).toMatchObject({
      "lost-writes.lost": 3,
      "convergence.convergenceMs": 12,
      "convergence.disagreementMsMax": 0,
      "stats.okPerSecond": 90,
      "stats.add.p50Ms": 2,
      "stats.add.p99Ms": 9,
    });
  });

  it("make the seed's table, the expected value beside the measured one", () => {
    const rows = requirementRows(nightly());
    expect(rows.map((r) => r.id)).toEqual(["lww", "siblings"]);
    expect(requirementTableText(rows).split("\n")).toEqual([
      "build           R1 (expected / measured)  R2 (expected / measured)  R3 (expected / measured)",
      "leaderless lww  yes                       no / no                   yes",
      "siblings        eventual / eventual       yes                       yes / eventual ✗ (seed: eventual)",
    ]);
  });

  it("render summary.md: the table, a row per cell, the unmet expectations, the flaky cells", () => {
    const md = summaryMarkdown(nightly());
    expect(md).toContain("## faultline suite `nightly`: ❌ FAILED");
    expect(md).toContain(
      "| siblings | eventual / eventual | yes | yes / eventual ✗ (seed: eventual) |",
    );
    expect(md).toContain(
      "| later | ⏭️ skipped | 1, 2, 3, 4, 5 | 0s | the time budget (1s) ran out before it started |",
    );
    expect(md).toContain("**siblings** — R3 (failed)");
    expect(md).toContain("- **leaderless lww**: lost writes found in 4 of 5 seeds");
    expect(md).toContain("commit `0123456789ab`");
  });

  it("render index.html with escaped text and a link to every run's report", () => {
    const page = suiteIndexPage(
      "<title>/*@title*/</title>/*@meta*/ /*@matrix*/ /*@cells*/",
      nightly(),
    );
    expect(page).toContain("<title>faultline suite nightly</title>");
    expect(page).toContain(`<a href="cell/run-4/report.html">seed 4</a>`);
    expect(page).toContain(`<span class="pill failed"`);
    expect(page).not.toMatch(/\/\*@\w+\*\//);
  });
});
