import { describe, expect, it } from "vitest";
import {
  describeExample,
  exampleLines,
  keyNumbers,
  summaryTable,
  verdictWord,
} from "./run-summary.js";

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

  it("separates client ops from final reads in the stats row", () => {
    const stats = {
      valid: true as const,
      durationSeconds: 8.04,
      ops: 743,
      ok: 743,
      byF: {
        add: { count: 640, ok: 630, fail: 6, info: 4, okPerSecond: 78.4 },
        "final-read": { count: 9, ok: 9, fail: 0, info: 0, okPerSecond: 1.1 },
        read: { count: 94, ok: 94, fail: 0, info: 0, okPerSecond: 11.7 },
      },
    };
    expect(keyNumbers(stats)).toBe(
      "client ops 734 (ok 724, fail 6, info 4), 90.1 ok/s over 8.0s; final reads 9",
    );
  });

  it("says the nodes agreed at the first read instead of that read's latency", () => {
    const base = { valid: true as const, counts: { keys: 3, divergent: 0 }, convergenceMs: 5.2 };
    const first = keyNumbers({ ...base, agreedRound: 1, agreedAtFirstRound: true });
    expect(first).toBe("keys 3, divergent 0, agreed at first read");
    const later = keyNumbers({
      ...base,
      convergenceMs: 812.4,
      agreedRound: 3,
      agreedAtFirstRound: false,
    });
    expect(later).toBe("keys 3, divergent 0, agreed after 812.4 ms (round 3)");
  });

  it("tabulates every checker and the overall verdict", () => {
    const table = summaryTable(false, {
      "lost-writes": { valid: false, counts: { lost: 2 } },
      convergence: { valid: true },
    });
    expect(table.split("\n")).toEqual([
      "checker      verdict  key numbers",
      "lost-writes  INVALID  lost 2",
      "convergence  valid",
      "overall      INVALID",
    ]);
  });

  it("prints the first examples under an INVALID row, with op indexes", () => {
    const lost = (item: number, add: number) => ({ key: "k2", item, add: "ok", ops: [add, 1485] });
    const table = summaryTable(false, {
      "lost-writes": {
        valid: false,
        anomalies: ["lost"],
        counts: { lost: 32 },
        examples: { lost: [lost(199, 400), lost(307, 615), lost(406, 814), lost(474, 953)] },
        counterexamples: [400, 1485],
      },
      "stale-reads": {
        valid: true,
        anomalies: ["read-your-writes"],
        counts: { "read-your-writes": 1 },
        examples: { "read-your-writes": [{ process: 3, key: "k3", value: 4, ops: [9, 57] }] },
      },
    });
    expect(table.split("\n")).toEqual([
      "checker      verdict  key numbers",
      "lost-writes  INVALID  anomalies: lost; lost 32",
      "  lost: item 199 on k2 (add op 400, absent from read op 1485)",
      "  lost: item 307 on k2 (add op 615, absent from read op 1485)",
      "  lost: item 406 on k2 (add op 814, absent from read op 1485)  … +29 more",
      "stale-reads  valid    anomalies: read-your-writes; read-your-writes 1",
      "overall      INVALID",
    ]);
  });

  it("puts the anomalies behind the verdict first and stays within five lines", () => {
    const ex = (n: number) => ({ key: "k", item: n, ops: [n, 100 + n] });
    const lines = exampleLines({
      valid: false,
      counts: { stale: 9, lost: 2, duplicated: 2, unexpected: 4 },
      examples: {
        stale: [ex(1), ex(2)],
        lost: [ex(3), ex(4)],
        duplicated: [ex(5), ex(8)],
        unexpected: [ex(6), ex(7)],
      },
      counterexamples: [3, 103, 4, 104, 5, 105, 6, 106, 7, 107],
    });
    expect(lines.length).toBe(5);
    expect(lines[0]).toMatch(/^lost: item 3 on k/);
    expect(lines[3]).toMatch(/^duplicated: item 8 twice on k/);
    expect(lines.at(-1)).toBe("also: unexpected 4, stale 9 (see results.json)");
  });

  it("shows a divergence as each node's values, or what each lacks when they are long", () => {
    expect(
      describeExample("divergent", { key: "k1", values: { n1: [[3, 5]], n2: [[5]] }, ops: [7, 8] }),
    ).toBe("k1 — n1 [3,5] vs n2 [5] (ops 7, 8)");
    const many = Array.from({ length: 40 }, (_, i) => i);
    const values = { n1: [many], n2: [many.filter((i) => i !== 17)], n3: [many] };
    expect(describeExample("divergent", { key: "k2", values, ops: [1, 2, 3] })).toBe(
      "k2 — n1,n3 40 values vs n2 39 values, lacks 17 (ops 1, 2, 3)",
    );
  });

  it("describes each checker's anomalies in a phrase", () => {
    expect(describeExample("resurrected", { key: "k", value: 1, ops: [9, 4] })).toBe(
      "1 on k (read op 9, after op 4 superseded it)",
    );
    expect(describeExample("dropped", { key: "k", value: 1, ops: [3, 20] })).toBe(
      "1 on k (write op 3, in no node's final read, e.g. op 20)",
    );
    expect(
      describeExample("read-your-writes", {
        process: 3,
        key: "k3",
        value: 4,
        lagMs: 206.5,
        ops: [9, 57],
      }),
    ).toBe("process 3 wrote 4 on k3 (op 9), then read op 57 missed it, 206.5 ms later");
    expect(
      describeExample("lost-update", { key: "k", basis: [1], values: [2, 3], ops: [5, 7] }),
    ).toBe("2, 3 all written over [1] on k (ops 5, 7)");
    expect(describeExample("mystery", { key: "k", n: 2, ops: [1] })).toBe("key k, n 2 (ops 1)");
  });

  it("prints a linearizability failure: its explanation, blocked op and concurrent ops", () => {
    const lines = exampleLines({
      valid: false,
      failure: {
        explanation: "no linearization of k reaches op 12",
        op: { invoke: 10, completion: 12, description: "read → 1" },
        prefixEndIndex: 12,
        concurrent: [
          { invoke: 8, linearized: true },
          { invoke: 9, linearized: false },
        ],
      },
    });
    expect(lines).toEqual([
      "no linearization of k reaches op 12",
      "blocked op 10 → 12 (read → 1); the shortest failing prefix ends at op 12",
      "concurrent ops: 8 (placed), 9",
    ]);
  });
});
