import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkRun } from "./check-run.js";
import { UsageError } from "./cli-error.js";
import { loadTestConfig } from "./config/load-test-config.js";
import { testJson } from "./config/test-file.js";

const root = mkdtempSync(join(tmpdir(), "check-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const line = (op: object) => `${JSON.stringify(op)}\n`;
/** One add acknowledged, then final reads of both nodes: with or without the item. */
function history(finalItems: number[]): string {
  return [
    line({
      index: 0,
      time: 0,
      process: 0,
      type: "invoke",
      f: "add",
      key: "k1",
      value: 1,
      node: "n1",
    }),
    line({ index: 1, time: 10, process: 0, type: "ok", f: "add", key: "k1", value: 1, node: "n1" }),
    line({
      index: 2,
      time: 20,
      process: 1,
      type: "invoke",
      f: "final-read",
      key: "k1",
      value: null,
      node: "n1",
      round: 1,
    }),
    line({
      index: 3,
      time: 30,
      process: 1,
      type: "ok",
      f: "final-read",
      key: "k1",
      value: [finalItems],
      node: "n1",
      round: 1,
    }),
    line({
      index: 4,
      time: 40,
      process: 2,
      type: "invoke",
      f: "final-read",
      key: "k1",
      value: null,
      node: "n2",
      round: 1,
    }),
    line({
      index: 5,
      time: 50,
      process: 2,
      type: "ok",
      f: "final-read",
      key: "k1",
      value: [finalItems],
      node: "n2",
      round: 1,
    }),
  ].join("");
}

function runDir(name: string, checkers: string, historyText: string): string {
  const dir = join(root, name);
  const config = loadTestConfig({
    file: { path: "t.yaml", text: `system: {nodes: 2}\ncheckers: [${checkers}]\nseed: 1\n` },
    env: {},
  });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "test.json"), testJson(config));
  writeFileSync(join(dir, "history.jsonl"), historyText);
  return dir;
}

describe("checkRun", () => {
  it("runs the test's checkers and writes results.json", async () => {
    const dir = runDir("kept", "lost-writes, convergence", history([1]));
    const result = await checkRun(dir);
    expect(result.valid).toBe(true);
    expect(Object.keys(result.results)).toEqual(["lost-writes", "convergence"]);
    expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).valid).toBe(true);
  });

  it("is invalid when an acknowledged item is lost", async () => {
    const result = await checkRun(runDir("lost", "lost-writes", history([])));
    expect(result.valid).toBe(false);
  });

  it("reports a torn last line as a warning", async () => {
    const result = await checkRun(runDir("torn", "lost-writes", `${history([1])}{"index":6,"ti`));
    expect(result.warnings.length).toBe(1);
    expect(result.valid).toBe(true);
  });

  it("rejects a corrupt line before the last as a usage error naming the file and line", async () => {
    const text = `{"index":0,"ti\n${history([1])}`;
    const err = await checkRun(runDir("corrupt", "lost-writes", text)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/corrupt[/\\]history\.jsonl:1:/);
  });

  it("keeps the reader's warnings (duplicated indexes) in results.json", async () => {
    const text = history([1]).replace('"index":2,', '"index":1,');
    const dir = runDir("indexes", "lost-writes", text);
    const result = await checkRun(dir);
    expect(result.warnings).toEqual([expect.stringContaining("duplicated 1; missing 2")]);
    const stored = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
    expect(stored.warnings).toEqual(result.warnings);
  });

  it("judges the history handed in, without reading history.jsonl", async () => {
    const dir = runDir("in-memory", "lost-writes", "not json at all\n{}\n");
    const ops = history([])
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const result = await checkRun(dir, { history: ops });
    expect(result).toMatchObject({ valid: false, opCount: 6, warnings: [] });
  });

  it("answers unknown for a history with no client operation", async () => {
    const result = await checkRun(runDir("empty", "lost-writes", ""));
    expect(result.valid).toBe("unknown");
    expect(result.warnings).toEqual(["the history holds no client operation: nothing was tested"]);
  });

  it("says which file is missing", async () => {
    await expect(checkRun(join(root, "nowhere"))).rejects.toThrow(UsageError);
    await expect(checkRun(join(root, "nowhere"))).rejects.toThrow(/test\.json: ENOENT/);
  });
});
