// `faultline explore <test.yaml> [--seeds N] [--time-budget S] [--all] [--jobs N] [--no-shrink]
// [--shrink-budget S]` plus every test flag `run` takes: the test under many seeds on the sim
// runtime, the first failure shrunk into a test file. Loads the explorer lazily.
import { availableParallelism } from "node:os";
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";
import { addConfigFlags } from "./run-command.js";

/** A flag's number: positive, finite, an integer where asked; else a usage error naming it. */
function positive(flag: string, text: unknown, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    const what = integer ? "a positive integer" : "a positive number of seconds";
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected ${what}`);
  }
  return n;
}

/** Up to this many seeds run in this process by default: a child process takes a second or two
 * to start, longer than a handful of seeds take. */
const IN_PROCESS_SEEDS_MAX = 49;

/** One job per core, unless the seeds are so few that starting child processes costs more. */
export function defaultJobs(seeds: number | undefined): number {
  return seeds !== undefined && seeds <= IN_PROCESS_SEEDS_MAX ? 1 : availableParallelism();
}

export function registerExploreCommand(program: Command): void {
  const command = program
    .command("explore")
    .description("run a test under many seeds on the sim runtime; shrink the first failing one")
    .argument("<test>", "the test file (YAML); flags override its keys")
    .option("--seeds <n>", "how many seeds, from the test's seed (--seed) on (default 100)")
    .option("--time-budget <seconds>", "start no seed after this long")
    .option("--all", "go on after a failing seed")
    .option(
      "--jobs <n>",
      `seeds at once, each in a child process (default: one per core, here ${availableParallelism()}; 1 for fewer than ${IN_PROCESS_SEEDS_MAX + 1} seeds)`,
    )
    .option("--no-shrink", "keep the first failing seed's run, without shrinking it")
    .option("--shrink-budget <seconds>", "how long shrinking may take (default 120)");
  const configFlags = addConfigFlags(command);
  command.action(async (testPath: string, options: Record<string, unknown>) => {
    const timeBudget = positive("--time-budget", options.timeBudget, false);
    const seeds =
      positive("--seeds", options.seeds, true) ?? (timeBudget === undefined ? 100 : undefined);
    const { exploreMain } = await import("../explore/explore-main.js");
    const code = await exploreMain(testPath, configFlags(options), {
      ...(seeds !== undefined && { seeds }),
      ...(timeBudget !== undefined && { timeBudgetMs: timeBudget * 1000 }),
      jobs: positive("--jobs", options.jobs, true) ?? defaultJobs(seeds),
      all: options.all === true,
      shrink: options.shrink !== false,
      shrinkBudgetMs: (positive("--shrink-budget", options.shrinkBudget, false) ?? 120) * 1000,
    });
    process.exit(code);
  });
}
