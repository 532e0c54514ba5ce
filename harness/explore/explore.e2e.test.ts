// End to end, as a user runs them (child processes of bin/faultline.js): a sim run reproduced from
// its test.json; a short `faultline explore` of an lww example that finds a failing seed, stores
// it and writes a shrunk test that `faultline run` reproduces with identical histories; the
// planted bug found within 200 seeds and shrunk to at most 20 ops (and the same test without it
// valid); the same seeds in two processes; bad input answered with exit 254.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadTestConfig } from "../config/load-test-config.js";
import { faultline, runDirOf } from "../run/faultline-process.js";
import { runPaths } from "../store/run-store.js";

const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const store = mkdtempSync(join(tmpdir(), "faultline-explore-e2e-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const historyOf = (runDir: string) => readFileSync(runPaths(runDir).history, "utf8");

/** The shrunk test file explore printed (`test: PATH`) and its script's op count. */
function shrunkTest(stdout: string): { path: string; ops: number } {
  const path = /^test: (.+)$/m.exec(stdout)?.[1];
  if (path === undefined) throw new Error(`no shrunk test in:\n${stdout}`);
  const config = loadTestConfig({ file: { path, text: readFileSync(path, "utf8") }, env: {} });
  return { path, ops: (config.script?.ops ?? []).flat().length };
}

describe("faultline on the sim runtime", () => {
  it("reruns a sim run from its test.json to the same history", async () => {
    const dir = join(store, "rerun");
    const first = await faultline([
      ...["run", join(EXAMPLES, "register-leaderless-siblings-pause.yaml"), "--runtime", "sim"],
      ...["--seed", "4", "--time-limit", "8", "--store", dir],
    ]);
    expect(first.code).toBe(0);
    const runDir = runDirOf(first);
    expect(JSON.parse(readFileSync(runPaths(runDir).test, "utf8")).runtime.name).toBe("sim");
    const again = await faultline(["run", runPaths(runDir).test, "--store", dir]);
    expect(again.code).toBe(0);
    expect(historyOf(runDirOf(again))).toBe(historyOf(runDir));
  }, 60_000);

  it("explore finds a failing lww seed, stores it, and writes a shrunk test that reproduces", async () => {
    const dir = join(store, "lww");
    const out = await faultline([
      ...["explore", join(EXAMPLES, "cart-lww-loses-items.yaml"), "--seeds", "5", "--seed", "1"],
      ...["--time-limit", "6", "--store", dir],
    ]);
    expect(out.code, out.stdout + out.stderr).toBe(1);
    expect(out.stdout).toContain("first failing seed 1: lost-writes INVALID (lost)");
    expect(out.stdout).toContain("(the same history as explored)");
    expect(out.stdout).toMatch(/lost-writes INVALID again, identical histories/);
    expect(out.stdout).toMatch(/^lost-writes +0 +1 +0$/m);
    const shrunk = shrunkTest(out.stdout);
    expect(shrunk.ops).toBeGreaterThan(0);
    expect(shrunk.ops).toBeLessThanOrEqual(4);
    // `faultline run` on the shrunk test, twice: the same failure, the same history.
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const run = await faultline(["run", shrunk.path, "--store", join(dir, "again")]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/lost-writes\s+INVALID/);
      runs.push(historyOf(runDirOf(run)));
    }
    expect(runs[1]).toBe(runs[0]);
  }, 120_000);

  it("explore --jobs 2 runs seeds in two processes and finds the same first failing seed", async () => {
    const example = join(EXAMPLES, "sim-planted-sibling-drop.yaml");
    const args = ["--seeds", "12", "--seed", "1", "--all", "--no-shrink"];
    const one = await faultline(["explore", example, ...args, "--store", join(store, "jobs1")]);
    const two = await faultline([
      "explore",
      example,
      ...args,
      "--jobs",
      "2",
      "--store",
      join(store, "jobs2"),
    ]);
    for (const out of [one, two]) expect(out.code, out.stdout + out.stderr).toBe(1);
    const summary = (out: { stdout: string }) => [
      /first failing seed \d+/.exec(out.stdout)?.[0],
      /^seeds run .*$/m.exec(out.stdout)?.[0]?.replace(/ — .*/, ""),
      /^lost-writes .*$/m.exec(out.stdout)?.[0],
    ];
    expect(summary(two)).toEqual(summary(one));
    expect(summary(one)[0]).toBeDefined();
  }, 120_000);

  it("explore finds the planted bug within 200 seeds and shrinks it to at most 20 ops", async () => {
    const dir = join(store, "planted");
    const example = join(EXAMPLES, "sim-planted-sibling-drop.yaml");
    const out = await faultline([
      "explore",
      example,
      "--seeds",
      "200",
      "--seed",
      "1",
      "--store",
      dir,
    ]);
    expect(out.code, out.stdout + out.stderr).toBe(1);
    expect(out.stdout).toMatch(/first failing seed \d+: lost-writes INVALID \(lost\)/);
    expect(out.stdout).toMatch(/lost-writes INVALID again, identical histories/);
    expect(shrunkTest(out.stdout).ops).toBeLessThanOrEqual(20);
    // The same test without the planted bug keeps every item over as many seeds.
    const seedsRun = Number(/^seeds run (\d+)/m.exec(out.stdout)?.[1]);
    const control = join(dir, "control.yaml");
    const text = readFileSync(example, "utf8").replace(/^ {2}plantedBug: .*\n/m, "");
    writeFileSync(control, text.replace("name: sim-planted-sibling-drop", "name: control"));
    const clean = await faultline([
      ...["explore", control, "--seeds", String(Math.max(seedsRun, 3)), "--seed", "1"],
      ...["--store", dir],
    ]);
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toMatch(/^lost-writes +\d+ +0 +0$/m);
  }, 300_000);

  it("answers bad input with exit 254, naming what is wrong", async () => {
    const example = join(EXAMPLES, "cart-lww-loses-items.yaml");
    const zero = await faultline(["explore", example, "--seeds", "0", "--store", store]);
    expect(zero.code).toBe(254);
    expect(zero.stderr).toContain('--seeds "0": expected a positive integer');
    const memoryTest = join(store, "memory.yaml");
    writeFileSync(memoryTest, "system: memory\nnemesis: partition\n");
    const memory = await faultline(["explore", memoryTest, "--store", store]);
    expect(memory.code).toBe(254);
    expect(memory.stderr).toContain(
      "explore runs tests on the sim runtime, and system memory has no sim launch",
    );
    const local = await faultline(["explore", example, "--runtime", "local", "--store", store]);
    expect(local.code).toBe(254);
    expect(local.stderr).toContain("--runtime local: explore runs on the sim runtime only");
    const missing = await faultline(["explore", join(store, "nothing.yaml"), "--store", store]);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain("cannot read the test file");
    expect(`${zero.stderr}${memory.stderr}${local.stderr}${missing.stderr}`).not.toMatch(
      /at .*\.ts:\d+/,
    );
  }, 60_000);
});
