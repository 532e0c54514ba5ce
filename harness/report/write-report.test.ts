import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { UsageError } from "../cli-error.js";
import { testConfigOf, testJson } from "../config/test-file.js";
import { writeReport } from "./write-report.js";

const root = mkdtempSync(join(tmpdir(), "faultline-report-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const test = testConfigOf({ seed: 9, name: "cart-leaderless-lww" });
const history = [
  { index: 0, time: 0, process: 0, type: "invoke", f: "add", key: "k", value: 1 },
  { index: 1, time: 5_000_000, process: 0, type: "ok", f: "add", key: "k", value: 1 },
];

/** A run folder with the given files (history as JSONL). */
function runDir(
  name: string,
  files: { test?: typeof test; history?: unknown[]; results?: unknown },
) {
  const dir = join(root, "cart", name);
  mkdirSync(join(dir, "nodes"), { recursive: true });
  if (files.test) writeFileSync(join(dir, "test.json"), testJson(files.test));
  if (files.history)
    writeFileSync(
      join(dir, "history.jsonl"),
      files.history.map((o) => JSON.stringify(o)).join("\n"),
    );
  if (files.results) writeFileSync(join(dir, "results.json"), JSON.stringify(files.results));
  return dir;
}

describe("writeReport", () => {
  it("writes report.html from the run's files, linking the node logs", async () => {
    const dir = runDir("20260101T000000.000Z", {
      test,
      history,
      results: { valid: true, results: { stats: { valid: true } } },
    });
    writeFileSync(join(dir, "nodes", "n1.log"), "hello\n");
    const path = await writeReport(dir);
    expect(path).toBe(join(dir, "report.html"));
    const page = readFileSync(path, "utf8");
    expect(page).toContain("<title>valid · cart-leaderless-lww · faultline</title>");
    expect(page).toContain('"files":["history.jsonl","nodes/n1.log","results.json","test.json"]');
    expect(page).toContain('"runName":"cart/20260101T000000.000Z"');
  });

  it("names what is missing: the directory, the history, the results", async () => {
    await expect(writeReport(join(root, "nope"))).rejects.toThrow(
      new UsageError(`no run directory ${join(root, "nope")}: ENOENT`),
    );
    const empty = runDir("empty", { test, history: [], results: { valid: true, results: {} } });
    await expect(writeReport(empty)).rejects.toThrow(/history.jsonl is empty/);
    const unchecked = runDir("unchecked", { test, history });
    await expect(writeReport(unchecked)).rejects.toThrow(
      /cannot read the checkers' results .*results.json: ENOENT \(run `faultline check .*` to check the run first\)/,
    );
    const noTest = runDir("no-test", { history });
    await expect(writeReport(noTest)).rejects.toBeInstanceOf(UsageError);
  });
});
