// `faultline explore`'s search: the test under seed after seed on the sim runtime (each a whole
// run: clients, nemesis, final reads, checkers, in virtual time), counting each checker's
// verdicts, until the seeds or the time budget run out, or — unless `all` — the first seed whose
// run is INVALID. That seed is run again into the store (the same seed gives the same run: its
// history must come out identical), and its run shrunk (shrink.ts) into a test whose script
// fails the same way, written as a test file and run twice into the store. Pure of printing: the
// caller is told of each seed and of the shrink's progress.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Validity } from "../../checkers/checker.js";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { SEED_MAX, type TestConfig } from "../config/test-config.js";
import { runTest } from "../run/run-test.js";
import { newRunStatus } from "../run/run-status.js";
import { runPaths } from "../store/run-store.js";
import { scriptOf } from "./seed-script.js";
import {
  describeSize,
  failsAs,
  type ShrinkResult,
  type ShrinkTarget,
  shrink,
  targetOf,
} from "./shrink.js";
import { writeShrunkTest } from "./shrunk-test.js";
import { childProcesses, inProcess } from "./seed-runner.js";
import { onSim, runTrial, type Trial } from "./sim-trial.js";

export interface ExploreOptions {
  /** How many seeds, from the test's own seed on (undefined: until the time budget ends). */
  seeds?: number;
  timeBudgetMs?: number;
  /** Go on after a failing seed. */
  all: boolean;
  /** Shrink the first failing seed (within shrinkBudgetMs). */
  shrink: boolean;
  shrinkBudgetMs: number;
  interrupt: AbortSignal;
  /** Seeds run at once, each in a child process when more than 1. */
  jobs?: number;
  onSeed?(seed: SeedOutcome, progress: ExploreProgress): void;
  onShrink?(progress: { tries: number; ops: number; faults: number }): void;
}

export interface SeedOutcome {
  seed: number;
  valid: Validity;
  /** Each checker's result. */
  results: Trial["results"];
  /** Checkers that were not valid, with the anomaly that made them so. */
  failing: ShrinkTarget[];
  opCount: number;
}

export interface ExploreProgress {
  seedsRun: number;
  failed: number;
  elapsedMs: number;
}

/** Per checker: how many seeds it judged valid, INVALID, unknown. */
export type CheckerTally = Record<string, { valid: number; invalid: number; unknown: number }>;

export interface FailureRun {
  seed: number;
  target: ShrinkTarget;
  /** The failing seed's run in the store. */
  runDir: string;
  /** The stored run's history is the explored one's, byte for byte. */
  reproduced: boolean;
  shrunk?: ShrunkRuns;
}

export interface ShrunkRuns extends ShrinkResult {
  /** The shrunk test's file in the store. */
  path: string;
  /** The shrunk test's two runs in the store; their histories are identical. */
  runDirs: [string, string];
  identical: boolean;
  /** The shrunk test still fails as the seed did, when run from the store. */
  reproduces: boolean;
}

export interface ExploreResult {
  firstSeed: number;
  seedsRun: number;
  failedSeeds: number[];
  tally: CheckerTally;
  stoppedBy: "seeds" | "time budget" | "failure" | "interrupt";
  elapsedMs: number;
  opsTotal: number;
  failure?: FailureRun;
}

/** Scratch runs go to memory where Linux offers it (they are written, read and removed). */
function scratchRoot(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

/** The n-th seed from `first` (wrapping within the seed range). */
export function nthSeed(first: number, n: number): number {
  return (first + n) % (SEED_MAX + 1);
}

function failingOf(trial: Trial): ShrinkTarget[] {
  return Object.keys(trial.results).flatMap((checker) => {
    const target = targetOf({ [checker]: trial.results[checker]! });
    return target === undefined ? [] : [target];
  });
}

function count(tally: CheckerTally, trial: Trial): void {
  for (const [checker, result] of Object.entries(trial.results)) {
    tally[checker] ??= { valid: 0, invalid: 0, unknown: 0 };
    const row = tally[checker];
    if (result.valid === true) row.valid++;
    else if (result.valid === false) row.invalid++;
    else row.unknown++;
  }
}

/** The seeds in order, as long as none of the stops applies; `stop()` ends them early. */
function seedFeed(test: TestConfig, options: ExploreOptions, startedMs: number) {
  let n = 0;
  let stopped: ExploreResult["stoppedBy"] | undefined;
  return {
    next(): number | undefined {
      if (stopped !== undefined) return undefined;
      if (options.seeds !== undefined && n >= options.seeds) stopped = "seeds";
      else if (
        options.timeBudgetMs !== undefined &&
        performance.now() - startedMs >= options.timeBudgetMs
      )
        stopped = "time budget";
      return stopped === undefined ? nthSeed(test.seed, n++) : undefined;
    },
    stop(why: ExploreResult["stoppedBy"]) {
      stopped ??= why;
    },
    get stoppedBy() {
      return stopped ?? "seeds";
    },
  };
}

export async function explore(config: TestConfig, options: ExploreOptions): Promise<ExploreResult> {
  const test = onSim(config);
  const scratch = mkdtempSync(join(scratchRoot(), "faultline-explore-"));
  const startedMs = performance.now();
  const result: ExploreResult = {
    firstSeed: test.seed,
    seedsRun: 0,
    failedSeeds: [],
    tally: {},
    stoppedBy: "seeds",
    elapsedMs: 0,
    opsTotal: 0,
  };
  const jobs = options.jobs ?? 1;
  // (A worker that cannot be built leaves no scratch folder behind.)
  const runner = await (jobs > 1
    ? childProcesses(test, jobs, scratch, options.interrupt)
    : Promise.resolve(inProcess(test, scratch, options.interrupt))
  ).catch((err: unknown) => {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  });
  const feed = seedFeed(test, options, startedMs);
  const failures = new Map<number, Trial>();
  const finished = (seed: number, trial: Trial | undefined) => {
    if (trial === undefined || options.interrupt.aborted) return feed.stop("interrupt");
    result.seedsRun++;
    result.opsTotal += trial.opCount;
    count(result.tally, trial);
    if (trial.valid === false) {
      // Only the first failing seed's history is kept (the one to shrink).
      const first = Math.min(seed, ...failures.keys());
      for (const [s, t] of failures) if (s !== first) delete t.history;
      failures.set(seed, seed === first ? trial : { ...trial, history: undefined });
    }
    const { valid, results, opCount } = trial;
    options.onSeed?.(
      { seed, valid, results, failing: failingOf(trial), opCount },
      {
        seedsRun: result.seedsRun,
        failed: failures.size,
        elapsedMs: performance.now() - startedMs,
      },
    );
    if (valid === false && !options.all) feed.stop("failure");
  };
  try {
    // Up to `slots` seeds at once, started in order: when one fails, every seed before it has
    // been started, and is waited for, so the first failing seed is the same however many run.
    const running = new Set<Promise<void>>();
    for (;;) {
      while (running.size < runner.slots) {
        const seed = feed.next();
        if (seed === undefined) break;
        const done: Promise<void> = runner.run(seed).then((trial) => {
          running.delete(done);
          finished(seed, trial);
        });
        running.add(done);
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    result.stoppedBy = feed.stoppedBy;
    result.failedSeeds = [...failures.keys()].sort((a, b) => a - b);
    result.elapsedMs = performance.now() - startedMs;
    const first = result.failedSeeds[0];
    if (first !== undefined && !options.interrupt.aborted) {
      result.failure = await keepFailure(
        { ...test, seed: first },
        failures.get(first)!,
        scratch,
        options,
      );
    }
    return result;
  } finally {
    await runner.close();
    // (It holds the workers' stores too: gone however they ended.)
    rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** A run of the test into the real store (results.json and the report included). */
async function storedRun(
  test: TestConfig,
  interrupt: AbortSignal,
): Promise<{ runDir: string; history: string; valid: Validity; results: Trial["results"] }> {
  const outcome = await runTest(test, { interrupt, status: newRunStatus(test.timeLimit) });
  const history = readFileSync(runPaths(outcome.runDir).history, "utf8");
  return {
    runDir: outcome.runDir,
    history,
    valid: outcome.check?.valid ?? "unknown",
    results: outcome.check?.results ?? {},
  };
}

async function keepFailure(
  test: TestConfig,
  trial: Trial,
  scratch: string,
  options: ExploreOptions,
): Promise<FailureRun> {
  const target = targetOf(trial.results)!;
  const stored = await storedRun(test, options.interrupt);
  const failure: FailureRun = {
    seed: test.seed,
    target,
    runDir: stored.runDir,
    reproduced: stored.history === trial.history,
  };
  if (!options.shrink || options.interrupt.aborted) return failure;
  const script = scriptOf(test, parseJsonl(trial.history!, "history.jsonl").history);
  const shrunk = await shrink(test, script, target, {
    budgetMs: options.shrinkBudgetMs,
    trial: async (candidate) =>
      (await runTrial(candidate, { store: scratch, interrupt: options.interrupt }))?.results,
    onProgress: ({ tries, best }) =>
      options.onShrink?.({ tries, ops: best.ops, faults: best.faults }),
  });
  if (options.interrupt.aborted) return failure;
  const name = `${test.name}-seed${test.seed}-shrunk`;
  const path = writeShrunkTest({ ...shrunk.config, name }, [
    `Shrunk by \`faultline explore\` from seed ${test.seed} of ${test.name}: ${target.checker} INVALID${target.anomaly ? ` (${target.anomaly})` : ""}.`,
    `Before: ${describeSize(shrunk.before)}. After: ${describeSize(shrunk.after)}.`,
    "The script replaces the seed's ops and faults; every run of this file gives the same history.",
  ]);
  // Loaded back as `faultline run` loads it, then run twice.
  const loaded = {
    ...loadTestConfig({ file: { path, text: readFileSync(path, "utf8") } }),
    store: test.store,
  };
  const first = await storedRun(loaded, options.interrupt);
  const second = await storedRun(loaded, options.interrupt);
  return {
    ...failure,
    shrunk: {
      ...shrunk,
      config: loaded,
      path,
      runDirs: [first.runDir, second.runDir],
      identical: first.history === second.history,
      reproduces: failsAs(first.results, target),
    },
  };
}
