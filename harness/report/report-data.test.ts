import { describe, expect, it } from "vitest";
import { HistoryBuilder } from "../../checkers/history-builder.js";
import { testConfigOf } from "../config/test-file.js";
import { checkerRow, reportData, runStart, startedAtOf } from "./report-data.js";

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
    expect(data.reproduce?.command).toContain("--seed 42");
    expect(data.summary).toEqual({
      ops: { invoked: 4, ok: 2, fail: 1, info: 1, pending: 0 },
      finalReads: 2,
      durationS: 3.005,
      faults: 1,
      historyLength: 18,
    });
    expect(data.warnings).toEqual(["line 99: torn"]);
    expect(data.files).toEqual(["history.jsonl", "nodes/n1.log", "test.json"]);
    expect(data.settings).toContainEqual(["seed", "42"]);
  });

  it("has a row per checker with its anomalies, numbers in plain words and counterexamples", () => {
    expect(data.checkers.map((c) => [c.name, c.valid])).toEqual([
      ["lost-writes", false],
      ["stats", true],
      ["broken", "unknown"],
    ]);
    expect(data.checkers[0]).toMatchObject({
      anomalies: [{ name: "lost", label: "items lost", count: 1 }],
      numbers: [
        { name: "added", label: "adds", value: 4 },
        { name: "lost", label: "items lost", value: 1 },
        { name: "stable", label: "items kept", value: 1 },
      ],
      distributions: [
        {
          name: "stableLatencyMs",
          label: "time until an item is stable (ms)",
          count: 1,
          p50: 2,
          max: 2,
        },
      ],
      counterexamples: [2, 15],
    });
    expect(data.checkers[2]?.error).toBe("it threw");
  });

  it("lists the anomalies of the checkers that found any, with their examples in words", () => {
    expect(data.anomalies.map((a) => a.checker)).toEqual(["lost-writes", "broken"]);
    expect(data.anomalies[0]?.anomalies).toEqual([
      {
        name: "lost",
        label: "items lost",
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

  it("has a window for every counterexample, with the fault in force and the item marked", () => {
    expect(data.windows.map((w) => [w.focus, w.checkers, w.item])).toEqual([
      [2, ["lost-writes"], "2"],
      [15, ["lost-writes"], "2"],
    ]);
    const add = data.windows[0]!;
    expect(add.faults).toEqual([]);
    expect(add.rows.find((r) => r.index === 2)).toMatchObject({
      index: 2,
      timeS: 0.102,
      process: "1",
      type: "invoke",
      f: "add",
      key: "k1",
      value: "2",
      parts: [["2", "hit"]],
    });
    // The final read that lacks item 2 shows where it is missing.
    const read = data.windows[1]!.rows.find((r) => r.index === 15)!;
    expect(read.parts?.filter(([, mark]) => mark === "missing")).toEqual([
      ["2 missing", "missing"],
    ]);
  });

  it("has the timeline, throughput, latency points and the fault band", () => {
    expect(data.timeline.count).toBe(4);
    expect(data.timeline.fs).toEqual(["add"]);
    expect(data.throughput.t).toEqual([0, 1, 2, 3]);
    expect(data.latency.shown).toBe(4);
    expect(data.faults).toMatchObject([
      { kind: "partition", startS: 1, endS: 2.001, targets: "halves: cut n1↮n2" },
    ]);
    expect(data.faultKinds.partition).toMatchObject({ label: "partition", ended: "healed" });
    expect(data.faultKinds["heal-all"]?.label).toBe("final heal");
    expect(data.nemesisEvents.map((e) => e.f)).toEqual(["heal-all"]);
    expect(data.finalReads?.rows[0]).toMatchObject({ key: "k1", agreed: false });
    expect(data.palette.fs.add).toMatch(/^#[0-9a-f]{6}$/);
  });

  it("is JSON: what the page receives is what was computed", () => {
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });
});

describe("reportData on a run of another system", () => {
  it("renders a test that has none of our node's fields, showing what its system says", () => {
    const foreign = testConfigOf({ name: "mem", seed: 5, system: { name: "memory", nodes: 2 } });
    const data = reportData({ test: foreign, history: history(), results });
    expect(data.title).toBe("mem");
    expect(data.seed).toBe(5);
    expect(data.settings).toContainEqual(["system", "memory, 2 nodes (local runtime)"]);
    expect(data.settings).toContainEqual(["nodes", "2"]);
    expect(data.settings.some(([name]) => name === "build / strategy")).toBe(false);
    expect(data.checkers).toHaveLength(3);
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
      { name: "ops", label: "ops", value: 3 },
      { name: "zero", label: "zero", value: 0 },
    ]);
    expect(row.explanation).toBe("op 4 cannot be linearized");
  });

  it("reads the run folder's timestamp, and says why a folder gives none", () => {
    expect(startedAtOf("t/20260101T000102.5Z-2")).toBe("2026-01-01T00:01:02.5Z");
    expect(startedAtOf("t/other")).toBeUndefined();
    expect(runStart("t/other").problem).toMatch(/"other" is not named by its start time/);
    expect(runStart("t/20261399T999999Z")).toEqual({
      problem: 'the run folder "20261399T999999Z" names no real time',
    });
    expect(runStart("t/20260230T000000Z").problem).toMatch(/names no real time/);
    expect(runStart(undefined)).toEqual({});
  });
});
