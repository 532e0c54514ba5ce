import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type Checker, type CheckResult, composeCheckers } from "../../checkers/checker.js";
import { checkers } from "../../checkers/checkers.js";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import type { Op } from "../../checkers/history.js";
import { simulateHistory } from "../../checkers/simulated-history.js";
import { testConfigOf } from "../config/test-file.js";
import { scanHistoryFile } from "./history-file-scan.js";
import { reportData, type StoredResults } from "./report-data.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-file-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function written(text: string): string {
  const path = join(dir, `h${files++}.jsonl`);
  writeFileSync(path, text);
  return path;
}

/** The op as a line, written one of the ways a valid JSONL file may hold it. */
function lineOf(op: Op, style: number): string {
  const text = JSON.stringify(op);
  switch (style % 6) {
    case 1: // Spaced out, and a CRLF line end.
      return `  ${JSON.stringify(op, null, 1).replaceAll("\n", " ")}\r`;
    case 2: // Fields in another order, the key escaped.
      return JSON.stringify(Object.fromEntries(Object.entries(op).reverse())).replace(
        /"key":"k/,
        '"key":"\\u006b',
      );
    case 3: // No index (it defaults to the position), nor a time equal to it (it defaults to that).
      return JSON.stringify({
        ...op,
        index: undefined,
        time: op.time === op.index ? undefined : op.time,
      });
    case 4: // A blank line before it.
      return `\n${text}`;
    default:
      return text;
  }
}

/** A run's history with anomalies planted (reads of values nobody wrote, an op that never
 * completed), and the real checkers' results on it. */
function plantedRun(seed: number, workload: "cart" | "register", opCount: number) {
  const history = simulateHistory({
    seed,
    opCount,
    workload,
    processCount: 4,
    keyCount: 3,
    nemesisEvery: 20,
    failRate: 0.05,
    infoRate: 0.05,
  });
  const reads = history.filter((op) => op.type === "ok" && op.f === "read");
  for (const read of reads.filter((_, i) => i % 7 === 3))
    read.value = workload === "cart" ? [[9_999]] : [424_242];
  const test = testConfigOf({
    seed,
    workload,
    ...(workload === "register" && { checkers: { consistency: "linearizable" } }),
  });
  const names = [
    ...test.checkers.names,
    ...(workload === "register" && !test.checkers.names.includes("linearizable")
      ? ["linearizable"]
      : []),
  ];
  const chosen = names.map((name) => checkers[name as keyof typeof checkers] as Checker);
  const checked = composeCheckers(chosen).check(history, {
    model: "cas-register",
    consistency: test.checkers.consistency,
  });
  const stored: StoredResults = {
    valid: checked.valid,
    results: checked.results as Record<string, CheckResult>,
  };
  return { test, history: history.slice(0, -1), results: stored };
}

describe("scanHistoryFile", () => {
  it("gives the report the same data as the ops parsed in memory (generated runs)", async () => {
    const run = fc.record({
      seed: fc.nat(),
      workload: fc.constantFrom("cart" as const, "register" as const),
      opCount: fc.integer({ min: 5, max: 160 }),
      styles: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
    });
    let windows = 0;
    let linearizations = 0;
    await fc.assert(
      fc.asyncProperty(run, async ({ seed, workload, opCount, styles }) => {
        const { test, history, results } = plantedRun(seed, workload, opCount);
        const text = history.map((op, i) => lineOf(op, styles[i % styles.length]!)).join("\n");
        const path = written(text);
        const input = { test, results, runName: "t/20260101T000000.000Z", files: [] };
        const fromMemory = reportData({ ...input, history: parseJsonl(text, path).history });
        await using scan = await scanHistoryFile(path);
        expect(reportData({ ...input, scan })).toEqual(fromMemory);
        windows += fromMemory.windows.length;
        linearizations += fromMemory.linearization.length;
      }),
      { numRuns: 40 },
    );
    // The planted anomalies were reported: the windows and the linearization view were compared.
    expect(windows).toBeGreaterThan(0);
    expect(linearizations).toBeGreaterThan(0);
  });

  it("reads each op in full, from the file, as JSON.parse does", async () => {
    const ops = simulateHistory({ seed: 5, opCount: 40, workload: "cart" });
    const text = ops.map((op, i) => lineOf(op, i)).join("\n");
    const path = written(text);
    await using scan = await scanHistoryFile(path);
    const parsed = parseJsonl(text, path).history;
    expect(scan.length).toBe(parsed.length);
    for (let i = 0; i < parsed.length; i++) expect(scan.op(i)).toEqual(parsed[i]);
    expect(() => scan.op(parsed.length)).toThrow(RangeError);
  });

  it("names a corrupt line, or an op that fails the checks, as the JSONL reader does", async () => {
    const ok = JSON.stringify({ index: 0, time: 0, process: 0, type: "invoke", f: "read" });
    for (const text of [
      `${ok}\n{"index":1,oops}\n${ok}\n`,
      `${ok}\n\n{"index":1,"time":1,"process":"p1","type":"ok","f":"read"}\n`,
      `${ok}\n{"process":0,"type":"ok","f":""}`,
      `${ok}\n[1]\n`,
    ]) {
      const path = written(text);
      const expected = (() => {
        try {
          parseJsonl(text, path);
        } catch (err) {
          return (err as Error).message;
        }
        throw new Error("parseJsonl read it");
      })();
      expect(expected).toMatch(/:\d+: /);
      await expect(scanHistoryFile(path)).rejects.toThrow(expected);
    }
  });

  it("skips a torn last line with the JSONL reader's warning", async () => {
    const ops = simulateHistory({ seed: 2, opCount: 10, workload: "register" });
    const text = `${ops.map((op) => JSON.stringify(op)).join("\n")}\n{"index":99,"time":20,"proc`;
    const path = written(text);
    const parsed = parseJsonl(text, path);
    await using scan = await scanHistoryFile(path);
    expect(scan.warnings).toEqual(parsed.warnings);
    expect(scan.warnings[0]).toMatch(/torn last line/);
    expect(scan.length).toBe(ops.length);
    expect(scan.op(ops.length - 1)).toEqual(ops.at(-1));
  });

  it("reads a line longer than its buffer, and a file without a last newline", async () => {
    const long = { index: 0, time: 0, process: 0, type: "ok", f: "read", value: "x".repeat(5e6) };
    const path = written(`${JSON.stringify(long)}\n${JSON.stringify({ ...long, index: 1 })}`);
    await using scan = await scanHistoryFile(path);
    expect(scan.length).toBe(2);
    expect(scan.op(1).value).toBe(long.value);
  });
});
