import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import { testConfigOf } from "../config/test-file.js";
import { checkerRow, opWindows, reportData, startedAtOf, WINDOW_RADIUS } from "./report-data.js";

const test = testConfigOf({
  seed: 42,
  name: "cart-leaderless-lww",
  nemesis: "partition",
  timeLimit: 3,
});

/** A small run: adds, a partition, a lost add, final reads that disagree. */
function history() {
  const h = new HistoryBuilder()
    .at(100)
    .add(0, "k1", 1) // 0 1
    .add(1, "k1", 2) // 2 3
    .at(1000)
    .nemesis("invoke", "partition", {
      shape: "halves",
      cuts: [
        ["n1", "n2"],
        ["n2", "n1"],
      ],
    }) // 4
    .nemesis("ok", "partition", {
      shape: "halves",
      cuts: [
        ["n1", "n2"],
        ["n2", "n1"],
      ],
    }) // 5
    .add(2, "k1", 3, "fail") // 6 7
    .add(2, "k1", 4, "info") // 8 9
    .at(2000)
    .nemesis("invoke", "heal") // 10
    .nemesis("ok", "heal") // 11
    .at(3000)
    .nemesis("invoke", "heal-all") // 12
    .nemesis("ok", "heal-all"); // 13
  h.invoke(10, "final-read", { key: "k1", node: "n1", round: 1 }).ok(10, { value: [[1]] }); // 14 15
  h.invoke(11, "final-read", { key: "k1", node: "n2", round: 1 }).ok(11, { value: [[1, 2]] }); // 16 17
  return h.ops;
}

const results = {
  valid: false as const,
  results: {
    "lost-writes": {
      valid: false as const,
      anomalies: ["lost"],
      counts: { added: 4, lost: 1, stable: 1 },
      stableLatencyMs: { count: 1, p50: 2, p90: 2, p99: 2, max: 2 },
      examples: { lost: [{ key: "k1", item: 2, add: "ok", ops: [2, 15] }] },
      counterexamples: [2, 15],
    },
    stats: { valid: true as const, ops: 6, opsPerSecond: 2.5 },
    broken: { valid: "unknown" as const, error: "it threw" },
  },
  warnings: ["line 99: torn"],
};

describe("reportData", () => {
  const data = reportData({
    test,
    history: history(),
    results,
    runName: "cart-leaderless-lww/20261127T152912.419Z",
    files: ["test.json", "nodes/n1.log", "history.jsonl"],
  });

  it("gives the verdict, the seed, the reproduce command and the op counts", () => {
    expect(data.title).toBe("cart-leaderless-lww");
    expect(data.verdict).toBe(false);
    expect(data.seed).toBe(42);
    expect(data.startedAt).toBe("2026-11-27T15:29:12.419Z");
    expect(data.reproduce.command).toContain("--seed 42");
    expect(data.summary).toEqual({
      ops: { invoked: 6, ok: 4, fail: 1, info: 1, pending: 0 },
      durationS: 3.005,
      faults: 1,
      historyLength: 18,
    });
    expect(data.warnings).toEqual(["line 99: torn"]);
    expect(data.files).toEqual(["history.jsonl", "nodes/n1.log", "test.json"]);
    expect(data.settings).toContainEqual(["seed", "42"]);
  });

  it("has a row per checker with its anomalies, numbers and counterexamples", () => {
    expect(data.checkers.map((c) => [c.name, c.valid])).toEqual([
      ["lost-writes", false],
      ["stats", true],
      ["broken", "unknown"],
    ]);
    expect(data.checkers[0]).toMatchObject({
      anomalies: [{ name: "lost", count: 1 }],
      numbers: [
        { name: "added", value: 4 },
        { name: "lost", value: 1 },
        { name: "stable", value: 1 },
      ],
      distributions: [{ name: "stableLatencyMs", count: 1, p50: 2, p99: 2, max: 2 }],
      counterexamples: [2, 15],
    });
    expect(data.checkers[2]?.error).toBe("it threw");
  });

  it("lists the anomalies of the checkers that found any, with their examples", () => {
    expect(data.anomalies.map((a) => a.checker)).toEqual(["lost-writes", "broken"]);
    expect(data.anomalies[0]?.anomalies).toEqual([
      {
        name: "lost",
        count: 1,
        examples: [
          {
            details: [
              ["key", "k1"],
              ["item", "2"],
              ["add", "ok"],
            ],
            ops: [2, 15],
          },
        ],
      },
    ]);
  });

  it("shows each counterexample op with the ops around it and its partner", () => {
    expect(data.windows.map((w) => [w.focus, w.checkers])).toEqual([
      [2, ["lost-writes"]],
      [15, ["lost-writes"]],
    ]);
    const around2 = data.windows[0]!.rows.map((r) => r.index);
    expect(around2).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(data.windows[0]!.rows[2]).toEqual({
      index: 2,
      timeS: 0.102,
      process: "1",
      type: "invoke",
      f: "add",
      key: "k1",
      value: "2",
    });
  });

  it("has the timeline: throughput, latency points and the fault band", () => {
    expect(data.throughput.t).toEqual([0, 1, 2, 3]);
    expect(data.latency.shown).toBe(6);
    expect(data.faults).toMatchObject([
      { kind: "partition", startS: 1, endS: 2.001, targets: "halves: cut n1↮n2" },
    ]);
    expect(data.nemesisEvents.map((e) => e.f)).toEqual(["heal-all"]);
    expect(data.finalReads?.rows[0]).toMatchObject({ key: "k1", agreed: false });
  });

  it("is JSON: what the page receives is what was computed", () => {
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });
});

describe("opWindows", () => {
  it("adds an invoke's completion when it lies outside the window, and skips unknown indexes", () => {
    const h = new HistoryBuilder().invoke(0, "add", { key: "k", value: 1 });
    for (let i = 0; i < 20; i++) h.add(1, "k", 10 + i);
    h.ok(0);
    const [w] = opWindows(h.ops, [{ checker: "c", indexes: [0, 999] }]);
    expect(w?.rows.map((r) => r.index)).toEqual([
      ...Array.from({ length: WINDOW_RADIUS + 1 }, (_, i) => i),
      41,
    ]);
  });
});

describe("checkerRow and startedAtOf", () => {
  it("puts non-zero numbers first and reads a failure's explanation", () => {
    const row = checkerRow("linearizable", {
      valid: false,
      zero: 0,
      ops: 3,
      failure: { explanation: "op 4 cannot be linearized" },
    });
    expect(row.numbers).toEqual([
      { name: "ops", value: 3 },
      { name: "zero", value: 0 },
    ]);
    expect(row.explanation).toBe("op 4 cannot be linearized");
  });

  it("reads the run folder's timestamp", () => {
    expect(startedAtOf("t/20260101T000102.5Z-2")).toBe("2026-01-01T00:01:02.5Z");
    expect(startedAtOf("t/other")).toBeUndefined();
  });
});
