// End to end: `faultline run` as a user runs it (a child process, the local runtime, real nodes),
// one short run per strategy, a Ctrl-C mid-run and a malformed test file.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";

const BIN = fileURLToPath(new URL("../../bin/faultline.js", import.meta.url));
const store = mkdtempSync(join(tmpdir(), "faultline-e2e-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function faultline(
  args: string[],
  onStdout?: (text: string, child: ChildProcess) => void,
): Promise<Finished> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** The run directory a finished run printed. */
function runDirOf(out: Finished): string {
  const match = /^run: (.+)$/m.exec(out.stdout);
  if (match === null) throw new Error(`no run directory in:\n${out.stdout}\n${out.stderr}`);
  return match[1]!;
}

/** Processes whose command line mentions this path (the nodes' --data-dir lies under the store). */
function processesUsing(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(path)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // It exited meanwhile.
    }
  }
  return found;
}

const common = [
  "--workload",
  "cart",
  "--time-limit",
  "8",
  "--nemesis-interval",
  "2",
  "--seed",
  "7",
];

describe("faultline run (local runtime)", () => {
  it("leaderless lww cart under partitions loses acknowledged items: exit 1", async () => {
    const out = await faultline([
      "run",
      "--build",
      "leaderless",
      "--strategy",
      "lww",
      "--nemesis",
      "partition",
      ...common,
      "--store",
      join(store, "lww"),
    ]);
    expect(out.stdout).toContain("seed 7");
    expect(out.stdout).toMatch(/lost-writes\s+INVALID/);
    expect(out.code).toBe(1);
    const results = JSON.parse(readFileSync(join(runDirOf(out), "results.json"), "utf8"));
    expect(results.results["lost-writes"].counts.lost).toBeGreaterThan(0);
  }, 90_000);

  it("leaderless siblings cart under partitions keeps every item: exit 0", async () => {
    const out = await faultline([
      "run",
      "--build",
      "leaderless",
      "--strategy",
      "siblings",
      "--nemesis",
      "partition",
      ...common,
      "--store",
      join(store, "siblings"),
    ]);
    expect(out.stdout).toMatch(/lost-writes\s+valid/);
    expect(out.code).toBe(0);
    const runDir = runDirOf(out);
    for (const file of [
      "test.json",
      "history.jsonl",
      "results.json",
      "nodes/n1.dump.json",
      "nodes/n3.log",
    ]) {
      expect(existsSync(join(runDir, file))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(runDir, "test.json"), "utf8"))).toMatchObject({
      seed: 7,
      strategy: "siblings",
    });
  }, 90_000);

  it("leader reject cart under partitions and kills: exit 0", async () => {
    const out = await faultline([
      "run",
      "--build",
      "leader",
      "--strategy",
      "reject",
      "--nemesis",
      "partition,kill",
      ...common,
      "--store",
      join(store, "reject"),
    ]);
    expect(out.stdout).toMatch(/lost-writes\s+valid/);
    expect(out.code).toBe(0);
    const { history } = parseJsonl(
      readFileSync(join(runDirOf(out), "history.jsonl"), "utf8"),
      "history",
    );
    expect(history.some((op) => op.process === "nemesis" && op.f === "kill")).toBe(true);
  }, 90_000);

  it("a Ctrl-C mid-run leaves a readable history and no node process", async () => {
    const dir = join(store, "interrupt");
    let sent = false;
    const out = await faultline(
      [
        "run",
        "--build",
        "leaderless",
        "--strategy",
        "siblings",
        "--nemesis",
        "partition",
        "--time-limit",
        "60",
        "--store",
        dir,
      ],
      (stdout, child) => {
        if (sent || !stdout.includes("seed ")) return;
        sent = true;
        // Let the clients and the nemesis get going first.
        setTimeout(() => child.kill("SIGINT"), 4_000);
      },
    );
    expect(out.code).toBe(130);
    expect(out.stdout).toContain("interrupted");
    const runDir = join(dir, "latest");
    const { history } = parseJsonl(readFileSync(join(runDir, "history.jsonl"), "utf8"), "history");
    expect(history.filter((op) => op.type === "ok").length).toBeGreaterThan(10);
    expect(history.some((op) => op.f === "final-read")).toBe(false);
    expect(processesUsing(dir)).toEqual([]);
    // The graceful stop disposed the cluster (SIGTERM), as the docker runtime's does.
    for (const n of ["n1", "n2", "n3"]) {
      expect(readFileSync(join(runDir, "nodes", `${n}.log`), "utf8")).toContain(
        "stopping (SIGTERM)",
      );
    }
  }, 90_000);

  it("a malformed test file exits 254 naming its line", async () => {
    const file = join(store, "broken.yaml");
    writeFileSync(file, "build: leaderless\nnodes: [3\nstrategy: lww\n");
    const out = await faultline(["run", file, "--store", join(store, "broken")]);
    expect(out.code).toBe(254);
    expect(out.stderr).toContain(`${file}:3:1: malformed YAML`);
    expect(out.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 30_000);

  it("an impossible combination exits 254 naming the field and the flag", async () => {
    const out = await faultline(["run", "--nodes", "3", "--w", "5", "--store", join(store, "bad")]);
    expect(out.code).toBe(254);
    expect(out.stderr).toContain("--w: node.w = 5: w = 5 is more than the 3 nodes");
  }, 30_000);
});
