// One run of a test on the sim runtime, as explore and the shrinker make them: `faultline run`'s
// own runner (runTest: the same clients, nemesis, history, checkers) into a scratch store, its
// verdicts and, when asked, its history; the run folder is removed unless the caller keeps it (a
// run to keep is made again into the real store: the same seed gives the same run). A run not
// kept is a scratch run: its history stays in memory (the checkers judge the recorded ops, and
// the text asked for is what history.jsonl would have held: historyText), and no node dumps.
import { readFileSync, rmSync } from "node:fs";
import type { CheckResult, Validity } from "../../checkers/checker.js";
import { parseJsonl } from "../../checkers/formats/jsonl-format.js";
import { type CheckRunOptions, checkHistory, type RunCheckResult } from "../check-run.js";
import type { TestConfig } from "../config/test-config.js";
import { historyText } from "../run/history-writer.js";
import { runTest } from "../run/run-test.js";
import { SIM_DEFAULTS } from "../runtime/sim/sim-options.js";
import { simRuntime } from "../runtime/sim/sim-runtime.js";
import { newRunStatus } from "../run/run-status.js";
import { runPaths } from "../store/run-store.js";

export interface Trial {
  valid: Validity;
  results: Record<string, CheckResult>;
  /** Client ops and final reads, invokes and completions, nemesis ops: the history's length. */
  opCount: number;
  /** history.jsonl's text, when `history` asked for it. */
  history?: string;
  /** The run folder, when kept. */
  runDir?: string;
}

export interface TrialOptions {
  /** Where the run goes (a scratch store, or the real one for a run to keep). */
  store: string;
  interrupt: AbortSignal;
  /** Keep history.jsonl's text: always, or only when the run is INVALID (explore's seeds: the
   * text of a valid one is never looked at). */
  history?: boolean | "if-invalid";
  keep?: boolean;
}

/** The test, forced onto the sim runtime (its sim settings kept when it has them). */
export function onSim(config: TestConfig): TestConfig {
  return config.runtime.name === "sim"
    ? config
    : { ...config, runtime: { name: "sim", ...SIM_DEFAULTS } };
}

/** Runs the test on the sim; undefined when interrupted. The checkers judge the history in
 * memory (no results.json, no report: a kept run is checked again by whoever keeps it). */
export async function runTrial(
  config: TestConfig,
  options: TrialOptions,
): Promise<Trial | undefined> {
  const test = { ...onSim(config), store: options.store };
  let text: string | undefined;
  // The checkers take the ops the run recorded; the file is read only when its text is asked for.
  const check = async (runDir: string, recorded: CheckRunOptions = {}): Promise<RunCheckResult> => {
    const path = runPaths(runDir).history;
    let result: RunCheckResult;
    if (recorded.history !== undefined) {
      result = { ...checkHistory(test, recorded.history), opCount: recorded.history.length };
    } else {
      text = readFileSync(path, "utf8");
      const { history, warnings } = parseJsonl(text, path);
      result = { ...checkHistory(test, history), warnings, opCount: history.length };
    }
    const wanted = options.history === true || (options.history && result.valid === false);
    if (wanted && text === undefined) {
      text = options.keep ? readFileSync(path, "utf8") : historyText(recorded.history ?? []);
    }
    return result;
  };
  const outcome = await runTest(test, {
    interrupt: options.interrupt,
    status: newRunStatus(test.timeLimit),
    // Named, not looked up: the registry is a dynamic import, a trip through the loader a run.
    runtime: simRuntime,
    check,
    ...(!options.keep && { scratch: true }),
  });
  try {
    if (outcome.check === undefined) return undefined;
    const { valid, results, opCount } = outcome.check;
    return {
      valid,
      results,
      opCount,
      ...(text !== undefined && options.history && { history: text }),
      ...(options.keep && { runDir: outcome.runDir }),
    };
  } finally {
    if (!options.keep) rmSync(outcome.runDir, { recursive: true, force: true });
  }
}
