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
  onSeed?(seed: SeedOutcome, progress: ExploreProgress): void;
  onShrink?(progress: { tries: number; ops: number; faults: number }): void;
}

export interface SeedOutcome {
  seed: number;
  valid: Validity;
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
  let firstFailure: { seed: number; trial: Trial } | undefined;
  try {
    for (let n = 0; options.seeds === undefined || n < options.seeds; n++) {
      if (
        options.timeBudgetMs !== undefined &&
        performance.now() - startedMs >= options.timeBudgetMs
      ) {
        result.stoppedBy = "time budget";
        break;
      }
      const seed = nthSeed(test.seed, n);
      const trial = await runTrial(
        { ...test, seed },
        { store: scratch, interrupt: options.interrupt, history: firstFailure === undefined },
      );
      if (trial === undefined || options.interrupt.aborted) {
        result.stoppedBy = "interrupt";
        break;
      }
      result.seedsRun++;
      result.opsTotal += trial.opCount;
      count(result.tally, trial);
      if (trial.valid === false) {
        result.failedSeeds.push(seed);
        firstFailure ??= { seed, trial };
      }
      const elapsedMs = performance.now() - startedMs;
      options.onSeed?.(
        { seed, valid: trial.valid, failing: failingOf(trial), opCount: trial.opCount },
        { seedsRun: result.seedsRun, failed: result.failedSeeds.length, elapsedMs },
      );
      if (trial.valid === false && !options.all) {
        result.stoppedBy = "failure";
        break;
      }
    }
    result.elapsedMs = performance.now() - startedMs;
    if (firstFailure !== undefined && !options.interrupt.aborted) {
      result.failure = await keepFailure(
        { ...test, seed: firstFailure.seed },
        firstFailure.trial,
        scratch,
        options,
      );
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
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
