// `faultline explore` after its flags are parsed: load the test (flags over it; the runtime is
// the sim's), say which seeds it runs, show a progress line on stderr, then what the first failing
// seed was, its stored run, the shrunk test and its two runs, and a table of each checker's
// verdicts over the seeds. Exit code: 1 when a seed was INVALID, 2 when one was only unknown, 0
// when all were valid; 130 / 143 / 129 when interrupted (after the summary so far).
import { UsageError, verdictExitCode } from "../cli-error.js";
import type { ConfigFlag } from "../config/config-flags.js";
import { loadTestConfig } from "../config/load-test-config.js";
import { systemOf, type TestConfig } from "../config/test-config.js";
import { type ExitSignal, exitCodeOf, setInterruptHandler } from "../process-exit.js";
import { readTestFile } from "../run/run-main.js";
import { type CheckerTally, type ExploreResult, explore, nthSeed } from "./explore.js";
import { describeSize } from "./shrink.js";

export interface ExploreFlags {
  seeds?: number;
  jobs?: number;
  timeBudgetMs?: number;
  all: boolean;
  shrink: boolean;
  shrinkBudgetMs: number;
}

function describeTest(config: TestConfig): string {
  const faults =
    config.nemesis.kinds.length === 0 ? "no faults" : `nemesis ${config.nemesis.kinds.join(",")}`;
  return `${config.name}: ${systemOf(config).describe(config.system)}, ${config.workload.name} workload, ${faults}`;
}

/** The progress line: rewritten in place on a terminal, a line every few seconds otherwise. */
function progressWriter(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY === true;
  let lastMs = 0;
  return {
    show(line: string) {
      const now = performance.now();
      if (tty) stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 200) - 1)}`);
      else if (now - lastMs >= 5_000) stream.write(`${line}\n`);
      else return;
      lastMs = now;
    },
    clear() {
      if (tty) stream.write("\r\x1b[2K");
    },
  };
}

export function tallyTable(tally: CheckerTally): string {
  const names = Object.keys(tally);
  const width = Math.max(7, ...names.map((name) => name.length));
  const lines = [`${"checker".padEnd(width)}  ${"valid".padStart(7)}  INVALID  unknown`];
  for (const name of names) {
    const { valid, invalid, unknown } = tally[name]!;
    lines.push(
      `${name.padEnd(width)}  ${String(valid).padStart(7)}  ${String(invalid).padStart(7)}  ${String(unknown).padStart(7)}`,
    );
  }
  return lines.join("\n");
}

function failureLines(result: ExploreResult): string[] {
  const failure = result.failure;
  if (failure === undefined) return [];
  const { target } = failure;
  const lines = [
    `first failing seed ${failure.seed}: ${target.checker} INVALID${target.anomaly ? ` (${target.anomaly})` : ""}`,
    `run: ${failure.runDir}` +
      (failure.reproduced
        ? " (the same history as explored)"
        : " — its history DIFFERS from the explored run's"),
  ];
  const shrunk = failure.shrunk;
  if (shrunk === undefined) return lines;
  lines.push(
    `shrunk in ${shrunk.tries} runs${shrunk.budgetSpent ? " (the budget ran out)" : ""}: ` +
      `${describeSize(shrunk.before)} → ${describeSize(shrunk.after)}`,
    `test: ${shrunk.path}`,
    `runs: ${shrunk.runDirs[0]}, ${shrunk.runDirs[1]}: ` +
      (shrunk.reproduces
        ? `${target.checker} INVALID again, `
        : `${target.checker} did NOT fail again, `) +
      (shrunk.identical ? "identical histories" : "histories DIFFER"),
    `rerun: npx faultline run ${shrunk.path}`,
  );
  return lines;
}

function summaryLines(result: ExploreResult): string[] {
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  const rate =
    result.elapsedMs > 0 ? ((result.seedsRun * 60_000) / result.elapsedMs).toFixed(0) : "0";
  const stop = {
    seeds: "every seed asked for",
    "time budget": "the time budget ran out",
    failure: "stopped at the first failure; --all goes on",
    interrupt: "interrupted",
  }[result.stoppedBy];
  const failed = result.failedSeeds;
  return [
    `seeds run ${result.seedsRun} (${result.firstSeed} …), failed ${failed.length}` +
      (failed.length > 0
        ? ` (${failed.slice(0, 10).join(", ")}${failed.length > 10 ? ", …" : ""})`
        : "") +
      ` — ${stop}`,
    `${seconds}s, ${rate} seeds/min, ${Math.round(result.opsTotal / Math.max(1, result.seedsRun))} history ops a seed`,
    tallyTable(result.tally),
  ];
}

function verdictOf(result: ExploreResult) {
  if (result.failedSeeds.length > 0) return false;
  const unknown = Object.values(result.tally).some((row) => row.unknown > 0);
  return unknown ? "unknown" : true;
}

export async function exploreMain(
  testPath: string,
  flags: ReadonlyMap<ConfigFlag, string>,
  explored: ExploreFlags,
): Promise<number> {
  const config = loadTestConfig({ file: readTestFile(testPath), flags });
  const system = systemOf(config);
  if (system.launch.sim === undefined) {
    const has = Object.keys(system.launch).join(", ");
    throw new UsageError(
      `${testPath}: explore runs tests on the sim runtime, and system ${system.name} has no sim launch (it has: ${has})`,
    );
  }
  const runtimeFlag = [...flags].find(([flag]) => flag.path.join(".") === "runtime.name");
  if (runtimeFlag !== undefined && runtimeFlag[1] !== "sim") {
    throw new UsageError(`--runtime ${runtimeFlag[1]}: explore runs on the sim runtime only`);
  }
  const out = process.stdout;
  const count = explored.seeds === undefined ? "" : `${explored.seeds} seeds, `;
  out.write(`faultline explore ${describeTest(config)}\n`);
  out.write(
    `${count}from seed ${config.seed} (sim runtime)` +
      (explored.seeds !== undefined
        ? `: ${config.seed} … ${nthSeed(config.seed, explored.seeds - 1)}`
        : "") +
      (explored.all ? "" : "; stops at the first failing seed") +
      ((explored.jobs ?? 1) > 1 ? `; ${explored.jobs} at once, in child processes` : "") +
      "\n",
  );
  const interrupt = new AbortController();
  let signalled: ExitSignal | undefined;
  const unset = setInterruptHandler((signal) => {
    signalled = signal;
    process.stderr.write(`\n${signal}: stopping the exploration (again to exit at once)\n`);
    interrupt.abort();
  });
  const progress = progressWriter(process.stderr);
  try {
    const result = await explore(config, {
      ...explored,
      interrupt: interrupt.signal,
      onSeed: (seed, p) => {
        const rate = p.elapsedMs > 0 ? ((p.seedsRun * 60_000) / p.elapsedMs).toFixed(0) : "0";
        const verdict =
          seed.valid === true ? "valid" : seed.valid === false ? "INVALID" : "unknown";
        progress.show(
          `seed ${seed.seed} ${verdict}  ${p.seedsRun} run, ${p.failed} failed  ${rate} seeds/min  ${(p.elapsedMs / 1000).toFixed(1)}s`,
        );
      },
      onShrink: (s) =>
        progress.show(
          `shrinking: ${s.tries} runs, smallest so far ${s.ops} ops, ${s.faults} faults`,
        ),
    });
    progress.clear();
    out.write(`\n${[...failureLines(result), "", ...summaryLines(result)].join("\n")}\n`);
    if (result.stoppedBy === "interrupt") return exitCodeOf(signalled ?? "SIGINT");
    const valid = verdictOf(result);
    out.write(`verdict: ${valid === true ? "valid" : valid === false ? "INVALID" : "unknown"}\n`);
    return verdictExitCode(valid);
  } finally {
    progress.clear();
    unset();
  }
}
