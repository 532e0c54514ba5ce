// checkRun(runDir): judges a stored run (contract 7). Reads test.json (the resolved TestConfig)
// and history.jsonl, runs the test's checkers from the registry with the options the test implies
// (the workload's, e.g. the linearizable model, and the consistency claim), writes results.json
// and returns the composite. `faultline run` calls it at the end; `faultline check` on a run dir.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type CheckOptions,
  type CheckResult,
  type Checker,
  composeCheckers,
  type Validity,
} from "../checkers/checker.js";
import { checkers as registry } from "../checkers/checkers.js";
import { parseJsonl } from "../checkers/formats/jsonl-format.js";
import { workloads } from "../workloads/workloads.js";
import { UsageError } from "./cli-error.js";
import type { TestConfig } from "./config/test-config.js";
import { writeReportOrWarn } from "./report/write-report.js";

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

export async function checkRun(runDir: string): Promise<RunCheckResult> {
  const testPath = join(runDir, "test.json");
  let test: TestConfig;
  try {
    test = JSON.parse(await readText(testPath)) as TestConfig;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `${testPath}: not JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (!(test.workload in workloads) || !Array.isArray(test.checkers)) {
    throw new UsageError(
      `${testPath}: not a faultline test (workload ${JSON.stringify(test.workload)}, checkers ${JSON.stringify(test.checkers)})`,
    );
  }
  const historyPath = join(runDir, "history.jsonl");
  const { history, warnings } = parseHistory(await readText(historyPath), historyPath);

  const workload = workloads[test.workload]({ keyCount: test.keyCount });
  const options: CheckOptions = {
    ...workload.checkOptions,
    consistency: test.consistency,
    strategy: test.strategy,
  };
  const chosen = test.checkers.map((name) =>
    name in registry ? registry[name as keyof typeof registry] : missingChecker(name),
  );
  const { valid, results } = composeCheckers(chosen).check(history, options) as {
    valid: Validity;
    results: Record<string, CheckResult>;
  };
  const result: RunCheckResult = { valid, results, warnings, opCount: history.length };
  await writeFile(join(runDir, "results.json"), `${JSON.stringify(result, null, 2)}\n`);
  await writeReportOrWarn(runDir, { test, history, results: result });
  return result;
}
