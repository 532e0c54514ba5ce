// The sim runtime's speed (`npm run bench -- sim`). First a 3-node leaderless cart test of about
// 10,000 client ops under partitions (10 clients at 160 ops/s for 100 s), checkers included: on
// the sim, the wall and CPU seconds of the whole run (best of a few, after a warm-up: the machine
// is shared), the part the checkers take, the events and client ops a second; then the same test
// on the local runtime (real node processes, wall seconds) and the ratio. Then `explore`'s rate:
// seeds a minute of a 1,000-op cart test and a 1,000-op register test (no shrinking), in this
// process and with two child processes (--jobs 2), over the whole row and in the steady state
// (once every job's process has started). Set FAULTLINE_SIM_BENCH_LOCAL=0 to skip the local run
// (it takes the test's 100 s and more).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRun, type RunCheckResult } from "../harness/check-run.js";
import type { TestConfig } from "../harness/config/test-config.js";
import { testConfigOf } from "../harness/config/test-file.js";
import { explore } from "../harness/explore/explore.js";
import { runTest } from "../harness/run/run-test.js";
import { newRunStatus } from "../harness/run/run-status.js";
import type { SimCluster } from "../harness/runtime/sim/sim-cluster.js";
import { simRuntime } from "../harness/runtime/sim/sim-runtime.js";
import type { Runtime } from "../harness/runtime/runtime.js";

const SIM_RUNS = 4;
/** Enough that a job's process start (a second or two) is a small part of the row. */
const EXPLORE_SEEDS = 300;

/** The 10,000-op test: `strategy` on the leaderless build, a cart, partitions. */
function cartTest(store: string, strategy: string, runtime: string): TestConfig {
  return testConfigOf({
    name: `sim-bench-${strategy}`,
    seed: 1,
    store,
    timeLimit: "100s",
    system: { name: "faultline", build: "leaderless", strategy },
    runtime,
    workload: { name: "cart", keys: 3 },
    clients: { concurrency: 10, rate: 160 },
    nemesis: { kinds: ["partition"], interval: "4s", faultDuration: "3s" },
  });
}

/** The 1,000-op test explore runs: 5 clients at 140 ops/s for 10 s, partitions every 2 s. */
function exploreTest(store: string, workload: string): TestConfig {
  return testConfigOf({
    name: `sim-bench-explore-${workload}`,
    seed: 1,
    store,
    timeLimit: "10s",
    system: { name: "faultline", build: "leaderless", strategy: "siblings" },
    runtime: "sim",
    workload: { name: workload, keys: 3 },
    clients: { concurrency: 5, rate: 140 },
    nemesis: { kinds: ["partition"], interval: "2s", faultDuration: "1s" },
  });
}

interface Measured {
  wallMs: number;
  cpuMs: number;
  checkMs: number;
  clientOps: number;
  events: number;
  valid: unknown;
}

function clientOpsOf(check: Pick<RunCheckResult, "results">): number {
  const byF = (check.results.stats as { byF?: Record<string, { count: number }> }).byF ?? {};
  return Object.entries(byF)
    .filter(([f]) => f !== "final-read")
    .reduce((n, [, stats]) => n + stats.count, 0);
}

/** One run of the test, timed as a whole; the checkers' part timed alone (in memory). */
async function measure(test: TestConfig, runtime?: Runtime): Promise<Measured> {
  let cluster: SimCluster | undefined;
  const counting: Runtime = {
    name: "sim",
    start: async (spec) => {
      cluster = (await simRuntime.start(spec)) as SimCluster;
      return cluster;
    },
  };
  let checkMs = 0;
  const check = async (runDir: string) => {
    const started = performance.now();
    const result = await checkRun(runDir);
    checkMs = performance.now() - started;
    return result;
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const outcome = await runTest(test, {
    interrupt: new AbortController().signal,
    status: newRunStatus(test.timeLimit),
    runtime: runtime ?? counting,
    check,
  });
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const result = outcome.check!;
  rmSync(outcome.runDir, { recursive: true, force: true });
  return {
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    checkMs,
    clientOps: clientOpsOf(result),
    events: cluster?.clock.eventCount ?? 0,
    valid: result.valid,
  };
}

async function simRows(store: string): Promise<Map<string, Measured>> {
  console.log(
    "sim, 10k-op cart     client ops   wall s   cpu s   checkers s   events/s (wall)   client ops/s (wall)   valid",
  );
  const best = new Map<string, Measured>();
  for (const strategy of ["lww", "siblings"]) {
    const test = cartTest(store, strategy, "sim");
    await measure(test); // warm-up
    for (let i = 0; i < SIM_RUNS; i++) {
      const m = await measure(test);
      const kept = best.get(strategy);
      if (kept === undefined || m.wallMs < kept.wallMs) best.set(strategy, m);
    }
    const m = best.get(strategy)!;
    console.log(
      `leaderless ${strategy.padEnd(9)} ${String(m.clientOps).padStart(11)}   ${(m.wallMs / 1000).toFixed(2).padStart(6)}   ${(m.cpuMs / 1000).toFixed(2).padStart(5)}   ${(m.checkMs / 1000).toFixed(2).padStart(10)}   ${Math.round(
        (m.events * 1000) / m.wallMs,
      )
        .toString()
        .padStart(15)}   ${Math.round((m.clientOps * 1000) / m.wallMs)
        .toString()
        .padStart(19)}   ${m.valid}`,
    );
  }
  return best;
}

async function localRow(store: string, sim: Map<string, Measured>): Promise<void> {
  if (process.env.FAULTLINE_SIM_BENCH_LOCAL === "0") {
    console.log("local: skipped (FAULTLINE_SIM_BENCH_LOCAL=0)");
    return;
  }
  const strategy = "siblings";
  const { runtimes } = await import("../harness/runtime/runtimes.js");
  const m = await measure(cartTest(store, strategy, "local"), runtimes.local);
  const s = sim.get(strategy)!;
  console.log(
    `local, the same test (leaderless ${strategy}): ${m.clientOps} client ops, ${(m.wallMs / 1000).toFixed(1)} s wall, ${(m.cpuMs / 1000).toFixed(1)} s CPU in the harness; verdict ${m.valid}`,
  );
  // The local clients complete fewer ops in the same 100 s (real round trips): the goal compares
  // the rates.
  const localRate = m.clientOps / (m.wallMs / 1000);
  const simRate = s.clientOps / (s.wallMs / 1000);
  console.log(
    `sim / local: ${(simRate / localRate).toFixed(0)}× the client ops/s (${simRate.toFixed(0)} vs ${localRate.toFixed(0)}), ${(m.wallMs / s.wallMs).toFixed(0)}× less wall time`,
  );
}

async function exploreRows(store: string): Promise<void> {
  console.log(
    "explore (1,000-op test, no shrink)   jobs   seeds   client ops/seed   seeds/min (wall)   steady   failed",
  );
  const interrupt = new AbortController().signal;
  for (const workload of ["cart", "register"]) {
    const test = exploreTest(store, workload);
    for (const jobs of [1, 2]) {
      const options = { all: true, shrink: false, shrinkBudgetMs: 0, jobs, interrupt };
      if (jobs === 1) await explore({ ...test, seed: 10_000 }, { ...options, seeds: 3 }); // warm-up
      let clientOps = 0;
      const doneMs: number[] = [];
      const result = await explore(test, {
        ...options,
        seeds: EXPLORE_SEEDS,
        onSeed: (seed) => {
          clientOps += clientOpsOf(seed);
          doneMs.push(performance.now());
        },
      });
      // Steady: from the time each job had finished a seed (its process started) to the end.
      const steady = ((doneMs.length - jobs) * 60_000) / (doneMs.at(-1)! - doneMs[jobs - 1]!);
      console.log(
        `leaderless siblings ${workload.padEnd(16)} ${String(jobs).padStart(4)}   ${String(result.seedsRun).padStart(5)}   ${Math.round(
          clientOps / result.seedsRun,
        )
          .toString()
          .padStart(15)}   ${Math.round((result.seedsRun * 60_000) / result.elapsedMs)
          .toString()
          .padStart(
            16,
          )}   ${Math.round(steady).toString().padStart(6)}   ${result.failedSeeds.length}`,
      );
    }
  }
}

export default async function (): Promise<void> {
  const store = mkdtempSync(join(tmpdir(), "sim-bench-"));
  try {
    const sim = await simRows(store);
    await exploreRows(store);
    await localRow(store, sim);
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
