// End to end: `faultline suite` as a nightly job runs it (a child process, real local nodes,
// cells of two seconds): the exit codes, the suite's folder and its four files, a time budget, a
// Ctrl-C mid-suite, shards joined by `suite merge`, and a bad suite file.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { faultline, type OnStdout, processesUsing, readHistory } from "../run/faultline-process.js";
import type { SuiteSummary } from "./suite-summary.js";

const root = mkdtempSync(join(tmpdir(), "faultline-suite-e2e-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const XSD = fileURLToPath(new URL("./junit.xsd", import.meta.url));

/** Two short single-node cells: one as expected, one expecting stats to be invalid (it is not). */
const SUITE = `name: e2e
base:
  workload: cart
  system: { nodes: 1, strategy: siblings }
  timeLimit: 2s
  clients: { probeInterval: 200ms }
  nemesis: none
seeds: [3]
axes:
  cell:
    - name: fine
      expect: { R1: "yes", R2: "yes" }
    - name: wrong
      expect: { stats: invalid }
`;

function suiteFile(name: string, text: string): string {
  const path = join(root, `${name}.yaml`);
  writeFileSync(path, text);
  return path;
}

function summaryIn(dir: string): SuiteSummary {
  return JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as SuiteSummary;
}

/** The suite folder a finished suite printed (`suite: DIR`). */
function suiteDirOf(stdout: string): string {
  const match = /^suite: (.+)$/m.exec(stdout);
  if (match === null) throw new Error(`no suite folder in:\n${stdout}`);
  return match[1]!;
}

/** An onStdout that sends one SIGINT once the first cell's run has recorded a few ok ops, so
 * the cluster, the clients and the probes are going when it arrives. */
function ctrlCOnceOpsRecorded(): OnStdout {
  let watching = false;
  return (stdout, child) => {
    if (watching || !/^suite: /m.test(stdout)) return;
    watching = true;
    const cell = join(suiteDirOf(stdout), "fine");
    const timer = setInterval(() => {
      const runs = existsSync(cell) ? readdirSync(cell).filter((f) => /^\d{8}T/.test(f)) : [];
      const history = runs.length === 0 ? "" : join(cell, runs[0]!, "history.jsonl");
      const text = history === "" || !existsSync(history) ? "" : readFileSync(history, "utf8");
      if ((text.match(/"type":"ok"/g) ?? []).length > 20) {
        clearInterval(timer);
        child.kill("SIGINT");
      }
    }, 100);
    child.once("exit", () => clearInterval(timer));
  };
}

describe("faultline suite (local runtime)", () => {
  it("runs every cell, writes the suite's folder and exits 1 for the unmet expectation", async () => {
    const store = join(root, "store");
    const out = await faultline(["suite", suiteFile("e2e", SUITE), "--store", store]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(1);
    const dir = suiteDirOf(out.stdout);
    expect(out.stdout).toMatch(
      /\[2\/2\] wrong: FAILED\n {4}stats: expected invalid, measured valid/,
    );
    expect(out.stdout).toContain("outcome: FAILED (exit 1)");
    for (const file of ["summary.json", "junit.xml", "summary.md", "index.html"]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readdirSync(join(store, "e2e", "latest"))).toContain("summary.json");
    const summary = summaryIn(dir);
    expect(summary.cells.map((c) => [c.id, c.outcome])).toEqual([
      ["fine", "passed"],
      ["wrong", "failed"],
    ]);
    // Each cell's run is a full run folder inside the suite's, linked from index.html.
    const run = summary.cells[0]!.runs[0]!;
    expect(run.runDir).toMatch(/^fine\/\d{8}T/);
    expect(existsSync(join(dir, run.runDir!, "report.html"))).toBe(true);
    expect(readHistory(join(dir, run.runDir!)).some((op) => op.f === "probe")).toBe(true);
    expect(readFileSync(join(dir, "index.html"), "utf8")).toContain(
      `href="${run.runDir}/report.html"`,
    );
    expect(run.requirements).toMatchObject({ R1: { value: "yes" }, R2: { value: "yes" } });
    expect(readFileSync(join(dir, "summary.md"), "utf8")).toContain(
      "| fine | yes / yes | yes / yes |",
    );
    const xmllint = spawnSync("xmllint", ["--noout", "--schema", XSD, join(dir, "junit.xml")]);
    if (xmllint.error === undefined) expect(xmllint.status).toBe(0);
  }, 120_000);

  it("starts no cell after the time budget and reports the rest skipped: exit 2", async () => {
    const out = await faultline([
      ...["suite", suiteFile("budget", SUITE.replace("name: e2e", "name: budget"))],
      ...["--time-budget", "1s", "--store", join(root, "budget")],
    ]);
    expect(out.code).toBe(2);
    const summary = summaryIn(suiteDirOf(out.stdout));
    expect(summary.cells.map((c) => c.outcome)).toEqual(["passed", "skipped"]);
    expect(summary.cells[1]!.skipped).toBe("the time budget (1s) ran out before it started");
  }, 120_000);

  it("a Ctrl-C stops the suite like a run: exit 130, a readable history, the summary, no node left", async () => {
    const store = join(root, "interrupt");
    const long = SUITE.replace("name: e2e", "name: interrupt").replace(
      "timeLimit: 2s",
      "timeLimit: 60s",
    );
    const out = await faultline(
      ["suite", suiteFile("interrupt", long), "--store", store],
      ctrlCOnceOpsRecorded(),
    );
    expect(out.code).toBe(130);
    const dir = suiteDirOf(out.stdout);
    const summary = summaryIn(dir);
    expect(summary.interrupted).toBe(true);
    expect(summary.cells.map((c) => c.outcome)).toEqual(["skipped", "skipped"]);
    const run = summary.cells[0]!.runs[0]!;
    expect(run.interrupted).toBe(true);
    expect(
      readHistory(join(dir, run.runDir!)).filter((op) => op.type === "ok").length,
    ).toBeGreaterThan(10);
    expect(processesUsing(store)).toEqual([]);
  }, 120_000);

  it("runs shards apart and merges them into one summary", async () => {
    const file = suiteFile("shards", SUITE.replace("name: e2e", "name: shards"));
    const dirs: string[] = [];
    for (const shard of ["1/2", "2/2"]) {
      const out = await faultline([
        "suite",
        file,
        "--shard",
        shard,
        "--store",
        join(root, "shards", shard[0]!),
      ]);
      expect(out.stdout).toContain(`1 of 2 cells (shard ${shard})`);
      dirs.push(suiteDirOf(out.stdout));
    }
    const mergedDir = join(root, "merged");
    const out = await faultline(["suite", "merge", ...dirs, "--out", mergedDir]);
    expect(out.code).toBe(1);
    const merged = summaryIn(mergedDir);
    expect(merged.cells.map((c) => [c.id, c.outcome])).toEqual([
      ["fine", "passed"],
      ["wrong", "failed"],
    ]);
    const runDir = merged.cells[0]!.runs[0]!.runDir!;
    expect(existsSync(join(mergedDir, runDir, "report.html"))).toBe(true);
  }, 180_000);

  it("refuses a bad suite file before running anything: exit 254 with the line:column", async () => {
    const store = join(root, "bad");
    const bad = SUITE.replace(
      "- name: wrong",
      "- name: wrong\n      test: { system: { nodes: 0 } }",
    );
    const out = await faultline(["suite", suiteFile("bad", bad), "--store", store]);
    expect(out.code).toBe(254);
    expect(out.stderr).toMatch(
      /bad\.yaml:\d+:\d+: cell 2 \(wrong\): system\.nodes = 0: expected at least 1/,
    );
    expect(existsSync(store)).toBe(false);
    const flag = await faultline(["suite", suiteFile("e2e", SUITE), "--parallel", "zero"]);
    expect(flag.code).toBe(254);
    expect(flag.stderr).toContain('--parallel "zero" must be a whole number ≥ 1');
  }, 60_000);
});
