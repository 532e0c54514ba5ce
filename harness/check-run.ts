// checkRun(runDir): judges a stored run. Reads test.json (loaded back through the schemas) and
// history.jsonl, runs the test's checkers from the registry with the options the test implies
// (the workload's, e.g. the linearizable model, and the consistency claim), writes results.json
// and returns the composite. `faultline run` calls it at the end; `faultline check` on a run dir.
import { readFile, writeFile } from "node:fs/promises";
import {
  type CheckOptions,
  type CheckResult,
  type Checker,
  composeCheckers,
  type Validity,
} from "../checkers/checker.js";
import { checkers as registry } from "../checkers/checkers.js";
import { parseJsonl } from "../checkers/formats/jsonl-format.js";
import { UsageError } from "./cli-error.js";
import type { History } from "../checkers/history.js";
import { type TestConfig, workloadOf } from "./config/test-config.js";
import { readTestJson } from "./config/test-file.js";
import { writeReportOrWarn } from "./report/write-report.js";
import { runPaths } from "./store/run-store.js";

export interface RunCheckResult {
  valid: Validity;
  /** Checker name → its result. */
  results: Record<string, CheckResult>;
  /** The reader's warnings (e.g. a torn last line skipped). */
  warnings: string[];
  opCount: number;
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

/** A corrupt line (not the torn last one) is bad input: a usage error naming the file and line. */
function parseHistory(text: string, path: string): ReturnType<typeof parseJsonl> {
  try {
    return parseJsonl(text, path);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : `${path}: ${String(err)}`);
  }
}

/** The test's checkers on a history, with the options the test implies (pure: no files). */
export function checkHistory(
  test: TestConfig,
  history: History,
): { valid: Validity; results: Record<string, CheckResult> } {
  const options: CheckOptions = {
    ...workloadOf(test).checkOptions(test.workload),
    consistency: test.checkers.consistency,
  };
  const chosen = test.checkers.names.map((name) =>
    name in registry ? registry[name as keyof typeof registry] : missingChecker(name),
  );
  return composeCheckers(chosen).check(history, options) as {
    valid: Validity;
    results: Record<string, CheckResult>;
  };
}

export async function checkRun(runDir: string): Promise<RunCheckResult> {
  const paths = runPaths(runDir);
  const test = readTestJson(paths.test, await readText(paths.test));
  const { history, warnings } = parseHistory(await readText(paths.history), paths.history);
  const { valid, results } = checkHistory(test, history);
  const result: RunCheckResult = { valid, results, warnings, opCount: history.length };
  await writeFile(paths.results, `${JSON.stringify(result, null, 2)}\n`);
  await writeReportOrWarn(runDir, { test, history, results: result });
  return result;
}
