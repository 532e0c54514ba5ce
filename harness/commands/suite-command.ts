// `faultline suite <suite.yaml> [--parallel N] [--time-budget S] [--shard I/N] [--store DIR]
// [--db URL]` runs a suite (harness/suite/suite-main.ts); `faultline suite merge <dirs…>` joins
// the summaries of its shards into one folder. Flags are checked here (exit 254 naming the flag);
// the suite's code loads lazily, so other subcommands start fast.
import type { Command } from "commander";
import { UsageError } from "../cli-error.js";

export function parseCount(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} must be a whole number ≥ 1`);
  }
  return n;
}

/** Seconds (600, 1.5) or a duration with a unit (90s, 10m). */
export function parseSeconds(flag: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms =
    match === null
      ? Number.NaN
      : Number(match[1]) * unitMs[(match[2] ?? "s") as keyof typeof unitMs];
  if (!(ms > 0)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} must be a duration > 0: seconds (600) or with a unit (90s, 10m)`,
    );
  }
  return ms;
}

/** "7,8,9" → [7, 8, 9]. */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(",").map((s) => s.trim());
  if (seeds.some((s) => !/^\d+$/.test(s) || Number(s) > 2 ** 31 - 1)) {
    throw new UsageError(
      `--seeds ${JSON.stringify(text)} must be seeds separated by commas (7,8,9), each 0 … ${2 ** 31 - 1}`,
    );
  }
  return seeds.map(Number);
}

export interface SuiteFlags {
  seeds?: string;
  parallel?: string;
  timeBudget?: string;
  shard?: string;
  store?: string;
  db?: string;
}

/** Runs a suite file with the flags given; answers the exit code. `faultline matrix` uses it. */
export async function runSuiteCommand(file: string, flags: SuiteFlags): Promise<number> {
  const parallel =
    flags.parallel === undefined ? undefined : parseCount("--parallel", flags.parallel);
  const timeBudgetMs =
    flags.timeBudget === undefined ? undefined : parseSeconds("--time-budget", flags.timeBudget);
  const [{ suiteMain }, { parseShard }, { databaseUrl }] = await Promise.all([
    import("../suite/suite-main.js"),
    import("../suite/suite-cells.js"),
    import("../trends/database-url.js"),
  ]);
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const seeds = flags.seeds === undefined ? undefined : parseSeeds(flags.seeds);
  const url = databaseUrl(flags.db);
  // The database is opened (and migrated) first: a bad URL stops the suite before it runs.
  const trends =
    url === undefined
      ? undefined
      : await (await import("../trends/trend-store.js")).openTrendStore(url);
  try {
    return await suiteMain({
      file,
      ...(parallel !== undefined && { parallel }),
      ...(timeBudgetMs !== undefined && { timeBudgetMs }),
      ...(shard !== undefined && { shard }),
      ...(seeds !== undefined && { seeds }),
      ...(flags.store !== undefined && { storeDir: flags.store }),
      ...(trends !== undefined && {
        record: async (summary, suiteDir) =>
          `trends: recorded as suite run ${await trends.recordSuite(summary, suiteDir)}`,
      }),
    });
  } finally {
    await trends?.close();
  }
}

export function registerSuiteCommand(program: Command): void {
  const suite = program
    .command("suite")
    .summary("run a suite: cells with expected verdicts, then summary.json, junit.xml, summary.md")
    .description(
      "Runs every cell of a suite file (a base test × the product of its axes, each cell once per " +
        "seed) and judges each checker's verdict and R1–R3 against the cell's expectations. Writes " +
        "store/<suite>/<timestamp>/ with summary.json, junit.xml, summary.md, index.html and a " +
        "folder per cell. Exit 0 when every expectation is met, 1 when one is not, 2 when one is " +
        "unknown or a cell was skipped, 255 when a run crashed, 254 for a bad suite file.",
    )
    .argument("<suite>", "the suite file (YAML), e.g. suites/seed-matrix.yaml")
    .option("--parallel <n>", "cells run at once (default 1)")
    .option("--seeds <list>", "run every cell once per seed (7,8,9), instead of the file's seeds")
    .option(
      "--time-budget <duration>",
      "start no cell after this long (600, 10m); the rest are skipped",
    )
    .option(
      "--shard <i/n>",
      "run only the cells of shard I of N (merge the shards with `suite merge`)",
    )
    .option(
      "--store <dir>",
      "where the suite's folder goes (default: the store `faultline run` uses)",
    )
    .option("--db <url>", "also record the summary in this PostgreSQL (or FAULTLINE_DATABASE_URL)")
    .action(async (file: string, flags: SuiteFlags) => {
      process.exit(await runSuiteCommand(file, flags));
    });
  suite
    .command("merge")
    .summary("join the summaries of a suite's shards into one folder")
    .argument("<dirs...>", "the shards' suite folders (each with a summary.json)")
    .option("--out <dir>", "where the merged files go (default: a new folder in the store)")
    .option("--store <dir>", "the store for the default --out")
    .option("--db <url>", "also record the merged summary in this PostgreSQL")
    .action(async (dirs: string[], flags: { out?: string; store?: string; db?: string }) => {
      const [{ mergeSummaries, readShards }, store, { closingText }, { loadTestConfig }] =
        await Promise.all([
          import("../suite/suite-merge.js"),
          import("../suite/suite-store.js"),
          import("../suite/suite-main.js"),
          import("../config/load-test-config.js"),
        ]);
      const shards = readShards(dirs);
      const { mkdirSync } = await import("node:fs");
      const outDir =
        flags.out ??
        store.createSuiteDir(flags.store ?? loadTestConfig({}).store, shards[0]!.summary.suite);
      mkdirSync(outDir, { recursive: true });
      const summary = mergeSummaries(shards, outDir);
      await store.writeSuiteFiles(outDir, summary);
      console.log(closingText(summary, outDir));
      const url = (await import("../trends/database-url.js")).databaseUrl(flags.db);
      if (url !== undefined) {
        await using trends = await (await import("../trends/trend-store.js")).openTrendStore(url);
        console.log(`trends: recorded as suite run ${await trends.recordSuite(summary, outDir)}`);
      }
      process.exit(summary.exitCode);
    });
}
