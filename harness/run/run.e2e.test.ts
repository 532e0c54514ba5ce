// End to end: `faultline run` as a user runs it (a child process, the local runtime, real nodes),
// one short run per strategy, a Ctrl-C mid-run and a malformed test file.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cartRunFlags,
  ctrlCOnceOk,
  faultline,
  okOpsIn,
  processesUsing,
  readHistory,
  type RunStrategy,
  readStoredRun,
  STRATEGY_RUNS,
  type StoredRun,
} from "./faultline-process.js";

const store = mkdtempSync(join(tmpdir(), "faultline-e2e-"));
afterAll(() => rmSync(store, { recursive: true, force: true }));

/** What each strategy's short run (STRATEGY_RUNS) stored, besides its verdict. */
const storedChecks: Record<RunStrategy, (run: StoredRun) => void> = {
  lww: (run) => {
    const counts = run.results["lost-writes"]?.counts as { lost: number } | undefined;
    expect(counts?.lost).toBeGreaterThan(0);
  },
  siblings: (run) => {
    for (const file of [
      "test.json",
      "history.jsonl",
      "results.json",
      "nodes/n1.dump.json",
      "nodes/n3.log",
    ]) {
      expect(existsSync(join(run.dir, file))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(run.dir, "test.json"), "utf8"))).toMatchObject({
      seed: 7,
      system: { name: "faultline", strategy: "siblings" },
    });
  },
  reject: (run) => {
    expect(run.history.some((op) => op.process === "nemesis" && op.f === "kill")).toBe(true);
  },
};

describe("faultline run (local runtime)", () => {
  for (const { title, build, strategy, nemesis, verdict, code } of STRATEGY_RUNS) {
    it(title, async () => {
      const flags = cartRunFlags(build, strategy, nemesis);
      const out = await faultline(["run", ...flags, "--store", join(store, strategy)]);
      expect(out.stdout).toContain("seed 7");
      expect(out.stdout).toMatch(verdict);
      expect(out.code).toBe(code);
      storedChecks[strategy](readStoredRun(out));
    }, 90_000);
  }

  it("a Ctrl-C mid-run leaves a readable history and no node process", async () => {
    const dir = join(store, "interrupt");
    const out = await faultline(
      [
        ...["run", "--build", "leaderless", "--strategy", "siblings", "--nemesis", "partition"],
        ...["--time-limit", "60", "--store", dir],
      ],
      // Once the clients got going (ops recorded), not after a fixed time.
      ctrlCOnceOk(dir, 10),
    );
    expect(out.code).toBe(130);
    expect(out.stdout).toContain("interrupted");
    const runDir = join(dir, "latest");
    const history = readHistory(runDir);
    expect(okOpsIn(runDir)).toBeGreaterThan(10);
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
    expect(out.stderr).toContain("--w: system.w = 5: w = 5 is more than the 3 nodes");
  }, 30_000);
});
