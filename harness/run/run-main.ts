// `faultline run` after its flags are parsed: load and print the test (with its seed), run it
// with live progress, print the client ops apart from the final reads, the verdict table with
// what failed (run-summary.ts) and the run directory, and answer the exit code
// (0 valid, 1 invalid, 2 unknown; 130 / 143 / 129 when interrupted). The first Ctrl-C, SIGTERM or
// SIGHUP stops the run cleanly; a second one exits at once (process-exit.ts), the history flushed.
import { existsSync, readFileSync } from "node:fs";
import { UsageError, verdictExitCode } from "../cli-error.js";
import type { ConfigFlag } from "../config/config-flags.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { systemOf, type TestConfig } from "../config/test-config.js";
import { formatDuration } from "../../systems/options-schema.js";
import { addExitHook, type ExitSignal, exitCodeOf, setInterruptHandler } from "../process-exit.js";
import { startProgress } from "./progress-line.js";
import { clientOpCounts, finalReadCount, newRunStatus } from "./run-status.js";
import { summaryTable, verdictWord } from "./run-summary.js";
import { runPaths } from "../store/run-store.js";
import { runTest } from "./run-test.js";

export function readTestFile(path: string): { path: string; text: string } {
  try {
    return { path, text: readFileSync(path, "utf8") };
  } catch (err) {
    throw new UsageError(
      `cannot read the test file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

function describeTest(config: TestConfig): string {
  const faults =
    config.nemesis.kinds.length === 0 ? "no faults" : `nemesis ${config.nemesis.kinds.join(",")}`;
  const { concurrency, rate } = config.clients;
  const speed = rate === 0 ? "max rate" : `${rate} ops/s`;
  return (
    `${config.name}: ${systemOf(config).describe(config.system)} (${config.runtime.name}), ` +
    `${config.workload.name} workload, ${faults}, ${formatDuration(config.timeLimit)}, ` +
    `${concurrency} clients at ${speed}`
  );
}

export async function runMain(
  testPath: string | undefined,
  flags: ReadonlyMap<ConfigFlag, string>,
  dbFlag?: string,
): Promise<number> {
  const config = loadTestConfig({
    ...(testPath !== undefined && { file: readTestFile(testPath) }),
    flags,
  });
  const trends = await (await import("../trends/trend-store.js")).openRunTrends(dbFlag);
  const out = process.stdout;
  out.write(`faultline run ${describeTest(config)}\n`);
  out.write(`seed ${config.seed} (rerun with --seed ${config.seed})\n`);

  const interrupt = new AbortController();
  const status = newRunStatus(config.timeLimit);
  let signalled: ExitSignal | undefined;
  const unsetInterrupt = setInterruptHandler((signal) => {
    signalled = signal;
    process.stderr.write(`\n${signal}: stopping the run (again to exit at once)\n`);
    interrupt.abort();
  });
  // However the process ends before the run does (a second signal, a crash), the history so far
  // stays readable; the nodes and containers have their own exit hooks.
  const removeFlush = addExitHook(() => status.flushHistory?.());
  const progress = startProgress(status, process.stderr);
  try {
    const outcome = await runTest(config, { interrupt: interrupt.signal, status }).catch(
      (err: unknown) => {
        // A terminal's Ctrl-C also reaches the nodes (one process group) and may kill them during
        // start-up, under the runtime's feet: that is the interrupt, not an internal error.
        if (interrupt.signal.aborted && status.runDir !== undefined)
          return { runDir: status.runDir, interrupted: true };
        throw err;
      },
    );
    progress.stop();
    if (outcome.interrupted || !("check" in outcome) || outcome.check === undefined) {
      status.phase = "interrupted";
      out.write(`interrupted; the history so far is in ${outcome.runDir}/history.jsonl\n`);
      return exitCodeOf(signalled ?? "SIGINT");
    }
    const { check } = outcome;
    const { ok, fail, info } = clientOpCounts(status);
    out.write(`\nclient ops: ok ${ok}, fail ${fail}, info ${info}`);
    if (outcome.finalReads !== undefined) {
      const { rounds, agreed } = outcome.finalReads;
      out.write(
        `; final reads: ${finalReadCount(status)} in ${rounds} round${rounds === 1 ? "" : "s"}, ` +
          (agreed ? "nodes agree" : "nodes DISAGREE"),
      );
    }
    out.write("\n");
    for (const warning of check.warnings) out.write(`warning: ${warning}\n`);
    out.write(`\n${summaryTable(check.valid, check.results)}\n\n`);
    out.write(`run: ${outcome.runDir}\n`);
    const { report } = runPaths(outcome.runDir);
    if (existsSync(report)) out.write(`report: ${report}\n`);
    if (trends !== undefined) out.write(`${await trends.record(outcome.runDir)}\n`);
    out.write(`verdict: ${verdictWord(check.valid)} (seed ${config.seed})\n`);
    return verdictExitCode(check.valid);
  } finally {
    progress.stop();
    unsetInterrupt();
    removeFlush();
  }
}
