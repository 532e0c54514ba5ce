// checkRun(runDir): judges a stored run. Reads test.json (loaded back through the schemas) and
// history.jsonl (streamed, parsed once for every checker and the report; or not at all when the
// caller hands in the history it recorded), runs the test's checkers from the registry with the
// options the test implies (the workload's, e.g. the linearizable model, the consistency claim
// and the system's conflict strategy), writes results.json and returns the composite. A history
// with no client op is at best "unknown": nothing was tested. `faultline run` calls it at the
// end with its history; `faultline check` on a run dir.
import { readFile, writeFile } from "node:fs/promises";
import {
  type CheckOptions,
  type CheckResult,
  type Checker,
  composeCheckers,
  type Validity,
  worse,
} from "../checkers/checker.js";
import { checkers as registry } from "../checkers/checkers.js";
import { type ParsedHistory, readJsonlFile } from "../checkers/formats/jsonl-format.js";
import type { History } from "../checkers/history.js";
import { UsageError } from "./cli-error.js";
import { systemOf, type TestConfig, workloadOf } from "./config/test-config.js";
import { readTestJson } from "./config/test-file.js";
import { writeReportOrWarn } from "./report/write-report.js";
import { runPaths } from "./store/run-store.js";

export interface RunCheckResult {
  valid: Validity;
  /** Checker name → its result. */
  results: Record<string, CheckResult>;
  /** The reader's warnings (e.g. a torn last line skipped, duplicated indexes), and "no
   * operations" for an empty history. */
  warnings: string[];
  opCount: number;
}

export interface CheckRunOptions {
  /** The history as recorded (the run's own): history.jsonl is then not read. */
  history?: History;
}

/** A checker the test names but the registry lacks: judged "unknown", never silently skipped. */
function missingChecker(name: string): Checker {
  return {
    name,
    check: () => ({
      valid: "unknown",
      error: `checker "${name}" is not registered (known: ${Object.keys(registry).join(", ")})`,
    }),
  };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** Streams history.jsonl: a missing file or a corrupt line (not the torn last one) is bad input,
 * a usage error naming the file (and the line). */
async function readHistory(path: string): Promise<ParsedHistory> {
  try {
    return await readJsonlFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new UsageError(`cannot read ${path}: ${code}`);
    throw new UsageError(err instanceof Error ? err.message : `${path}: ${String(err)}`);
  }
}

/** The test's checkers on a history, with the options the test implies (pure: no files). A
 * history with no client op is at best "unknown", with a warning saying why. */
export function checkHistory(
  test: TestConfig,
  history: History,
): { valid: Validity; results: Record<string, CheckResult>; warnings: string[] } {
  const checkOptions: CheckOptions = {
    ...workloadOf(test).checkOptions(test.workload),
    consistency: test.checkers.consistency,
    strategy: systemOf(test).traits(test.system).conflicts,
  };
  const chosen = test.checkers.names.map((name) =>
    name in registry ? registry[name as keyof typeof registry] : missingChecker(name),
  );
  const composite = composeCheckers(chosen).check(history, checkOptions) as {
    valid: Validity;
    results: Record<string, CheckResult>;
  };
  const { results } = composite;
  if (history.some((op) => op.process !== "nemesis")) {
    return { valid: composite.valid, results, warnings: [] };
  }
  const warnings = ["the history holds no client operation: nothing was tested"];
  return { valid: worse(composite.valid, "unknown"), results, warnings };
}

export async function checkRun(
  runDir: string,
  options: CheckRunOptions = {},
): Promise<RunCheckResult> {
  const paths = runPaths(runDir);
  const test = readTestJson(paths.test, await readText(paths.test));
  const { history, warnings } =
    options.history === undefined
      ? await readHistory(paths.history)
      : { history: options.history, warnings: [] as string[] };
  const checked = checkHistory(test, history);
  const { valid, results } = checked;
  warnings.push(...checked.warnings);
  const result: RunCheckResult = { valid, results, warnings, opCount: history.length };
  await writeFile(paths.results, `${JSON.stringify(result, null, 2)}\n`);
  await writeReportOrWarn(runDir, { test, history, results: result });
  return result;
}
